#include "crypto/cbor.h"

#include <string>

#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(CborTest, MeasuresOneItemAndIgnoresWhatFollows) {
  // {1: 2, "a": h'0102'} then a stray byte.
  const std::string map = Bytes({0xa2, 0x01, 0x02, 0x61, 'a', 0x42, 1, 2});
  absl::StatusOr<size_t> length = CborItemLength(map + "\xff");
  ASSERT_TRUE(length.ok()) << length.status();
  EXPECT_EQ(*length, map.size());
}

TEST(CborTest, DecodesMapsAndReadsMembers) {
  const std::string map =
      Bytes({0xa3, 0x01, 0x02, 0x20, 0x42, 7, 8, 0x63, 'f', 'm', 't', 0x60});
  absl::StatusOr<CborItem> item = DecodeCbor(map);
  ASSERT_TRUE(item.ok()) << item.status();
  EXPECT_EQ(*CborInt(CborMapFind(item->get(), int64_t{1}), "kty"), 2);
  EXPECT_EQ(*CborBytes(CborMapFind(item->get(), int64_t{-1}), "x"),
            std::string("\x07\x08"));
  EXPECT_EQ(*CborText(CborMapFind(item->get(), "fmt"), "fmt"), "");
  EXPECT_EQ(CborMapFind(item->get(), "missing"), nullptr);
  EXPECT_FALSE(CborInt(CborMapFind(item->get(), "fmt"), "fmt").ok());
  EXPECT_FALSE(CborBytes(CborMapFind(item->get(), int64_t{1}), "kty").ok());
}

TEST(CborTest, RefusesMalformedInput) {
  struct Case {
    const char* name;
    std::string bytes;
  };
  const Case cases[] = {
      {"empty", ""},
      {"truncated head", Bytes({0x19, 0x01})},
      {"truncated string", Bytes({0x45, 1, 2})},
      {"string longer than input",
       Bytes({0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
      {"array count larger than input", Bytes({0x9a, 0xff, 0xff, 0xff, 0xff})},
      {"map missing a value", Bytes({0xa1, 0x01})},
      {"indefinite bytes", Bytes({0x5f, 0x41, 1, 0xff})},
      {"indefinite map", Bytes({0xbf, 0x01, 0x02, 0xff})},
      {"tag", Bytes({0xc0, 0x60})},
      {"break", Bytes({0xff})},
      {"reserved info", Bytes({0x1c})},
      {"too many items", std::string(1, static_cast<char>(0x98)) +
                             std::string(1, 65) + std::string(65, '\x01')},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(CborItemLength(c.bytes).ok()) << c.name;
    EXPECT_FALSE(DecodeCbor(c.bytes).ok()) << c.name;
  }
}

TEST(CborTest, RefusesDeepNestingWithoutRecursing) {
  // 100000 nested one-element arrays: refused by the walk before libcbor
  // (whose free is recursive) sees them.
  std::string deep(100000, '\x81');
  deep.push_back('\x01');
  EXPECT_FALSE(CborItemLength(deep).ok());
  std::string ok(kMaxCborDepth - 1, '\x81');
  ok.push_back('\x01');
  EXPECT_TRUE(DecodeCbor(ok).ok());
}

TEST(CborTest, RefusesTrailingBytesAndDuplicateKeys) {
  EXPECT_FALSE(DecodeCbor(Bytes({0x01, 0x02})).ok());
  EXPECT_FALSE(DecodeCbor(Bytes({0xa2, 0x01, 0x02, 0x01, 0x03})).ok());
  // Also in a nested map.
  EXPECT_FALSE(
      DecodeCbor(Bytes({0x81, 0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02})).ok());
  EXPECT_TRUE(DecodeCbor(Bytes({0xa2, 0x01, 0x02, 0x21, 0x03})).ok());
}

}  // namespace
}  // namespace latchkey::crypto
