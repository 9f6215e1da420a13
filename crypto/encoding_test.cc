#include "crypto/encoding.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

// RFC 4648 section 10 vectors, in both alphabets.
TEST(Base64UrlTest, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, UsesUrlSafeAlphabet) {
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string data;
  for (int i = 0; i < 256; ++i) {
    data.push_back(static_cast<char>(i));
    auto decoded = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, data);
  }
}

TEST(Base64UrlTest, PaddingIsRejected) {
  EXPECT_EQ(Base64UrlDecode("Zg==").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("Zm8=").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Base64UrlTest, StandardAlphabetAndWhitespaceAreRejected) {
  EXPECT_EQ(Base64UrlDecode("+/+/").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("Zm9v Zg").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("Zm9v\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode(std::string("Zm\0v", 4)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Base64UrlTest, ImpossibleLengthIsRejected) {
  EXPECT_EQ(Base64UrlDecode("Z").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("Zm9vY").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Base64UrlTest, NonCanonicalTrailingBitsAreRejected) {
  // "Zg" is canonical for "f"; "Zh" carries a stray low bit.
  EXPECT_TRUE(Base64UrlDecode("Zg").ok());
  EXPECT_EQ(Base64UrlDecode("Zh").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(Base64UrlDecode("Zm8").ok());
  EXPECT_EQ(Base64UrlDecode("Zm9").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Base64UrlTest, InvalidCharacterAnywhereIsRejected) {
  // Every position of full groups and of 2- and 3-character tails.
  for (const std::string good : {"Zm9vYmFy", "Zm9vYg", "Zm9vYmE"}) {
    ASSERT_TRUE(Base64UrlDecode(good).ok()) << good;
    for (size_t i = 0; i < good.size(); ++i) {
      for (char bad : {'=', '+', '/', ' ', '.', '\0', '\x80', '\xff'}) {
        std::string text = good;
        text[i] = bad;
        EXPECT_EQ(Base64UrlDecode(text).status().code(),
                  StatusCode::kInvalidArgument)
            << good << " at " << i;
      }
    }
  }
}

TEST(Base64UrlTest, OnlyCanonicalLastCharactersAreAccepted) {
  // After one byte (2 characters) the last character carries 2 bits and 4
  // unused ones; after two bytes (3 characters), 4 bits and 2 unused.
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t v = 0; v < 64; ++v) {
    EXPECT_EQ(Base64UrlDecode(std::string("QUFB") + "Q" + alphabet[v]).ok(),
              v % 16 == 0)
        << v;
    EXPECT_EQ(Base64UrlDecode(std::string("QU") + alphabet[v]).ok(), v % 4 == 0)
        << v;
  }
}

TEST(Base64UrlTest, AppendAddsToWhatIsThere) {
  std::string out = "head.";
  AppendBase64Url("foob", &out);
  EXPECT_EQ(out, "head.Zm9vYg");
  AppendBase64Url("", &out);
  EXPECT_EQ(out, "head.Zm9vYg");
  std::string data;
  for (int i = 0; i < 40; ++i) {
    data.push_back(static_cast<char>(i * 37));
    std::string appended = "x";
    AppendBase64Url(data, &appended);
    EXPECT_EQ(appended, "x" + Base64UrlEncode(data));
  }
}

TEST(Base64Test, DecodesPaddedAndUnpaddedStandardBase64) {
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYg"), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(*Base64Decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(*Base64Decode("+/+/"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(*Base64Decode(""), "");
}

TEST(Base64Test, EncodesWithPadding) {
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(Base64Test, MalformedPaddingIsRejected) {
  EXPECT_EQ(Base64Decode("Zm9vYg=").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("Zm9vYmE==").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("Zm=9vYg=").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("====").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("Zm9vYmFy====").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Base64Test, UrlAlphabetAndNonCanonicalBitsAreRejected) {
  EXPECT_EQ(Base64Decode("-_-_").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64Decode("Zh==").status().code(), StatusCode::kInvalidArgument);
}

TEST(CrockfordBase32Test, EncodesMostSignificantBitsFirstInLowerCase) {
  EXPECT_EQ(CrockfordBase32Encode(""), "");
  // 0x00 -> 00000|000 -> "00"; 0xff -> 11111|111(00) -> "zw".
  EXPECT_EQ(CrockfordBase32Encode(std::string(1, '\0')), "00");
  EXPECT_EQ(CrockfordBase32Encode("\xff"), "zw");
  // 5 bytes = exactly 8 characters: 0x0842108421 is 00001 x 8.
  EXPECT_EQ(CrockfordBase32Encode("\x08\x42\x10\x84\x21"), "11111111");
  // "foobar": Crockford digits of RFC 4648's MZXW6YTBOI.
  EXPECT_EQ(CrockfordBase32Encode("foobar"), "csqpyrk1e8");
}

TEST(CrockfordBase32Test, NeverEmitsAmbiguousLetters) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded = CrockfordBase32Encode(all);
  EXPECT_EQ(encoded.find_first_of("ilouILOU"), std::string::npos);
  EXPECT_EQ(encoded.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"),
            std::string::npos);
}

TEST(HexTest, EncodesLowerCase) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

}  // namespace
}  // namespace latchkey::crypto
