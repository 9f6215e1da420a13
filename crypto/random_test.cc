#include "crypto/random.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

TEST(RandomBytesTest, ReturnsRequestedLengthAndDiffers) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(RandomBytes(0)->size(), 0u);
}

TEST(RandomBytesTest, HugeRequestIsRejected) {
  EXPECT_EQ(RandomBytes(size_t{1} << 21).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RandomTokenTest, Is45LowerCaseCrockfordCharacters) {
  for (int i = 0; i < 100; ++i) {
    auto token = RandomToken();
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->size(), 45u);
    EXPECT_EQ(token->find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"),
              std::string::npos)
        << *token;
  }
}

TEST(RandomTokenTest, EveryPositionTakesManyValues) {
  // With 5 random bits per character, 400 tokens hit well over 16 of the 32
  // symbols at every position; a stuck position (e.g. a padding character
  // left in) would show up as one value.
  std::set<char> seen[kRandomTokenLength];
  std::set<std::string> tokens;
  for (int i = 0; i < 400; ++i) {
    std::string token = *RandomToken();
    tokens.insert(token);
    for (size_t p = 0; p < kRandomTokenLength; ++p) seen[p].insert(token[p]);
  }
  EXPECT_EQ(tokens.size(), 400u);
  for (size_t p = 0; p < kRandomTokenLength; ++p) {
    EXPECT_GT(seen[p].size(), 16u) << "position " << p;
  }
}

TEST(RandomUuidV4Test, HasVersionAndVariantBits) {
  std::set<std::string> uuids;
  for (int i = 0; i < 50; ++i) {
    auto uuid = RandomUuidV4();
    ASSERT_TRUE(uuid.ok());
    ASSERT_EQ(uuid->size(), 36u);
    EXPECT_EQ((*uuid)[8], '-');
    EXPECT_EQ((*uuid)[13], '-');
    EXPECT_EQ((*uuid)[18], '-');
    EXPECT_EQ((*uuid)[23], '-');
    EXPECT_EQ((*uuid)[14], '4');
    EXPECT_NE(std::string("89ab").find((*uuid)[19]), std::string::npos);
    EXPECT_EQ(uuid->find_first_not_of("0123456789abcdef-"), std::string::npos);
    uuids.insert(*uuid);
  }
  EXPECT_EQ(uuids.size(), 50u);
}

TEST(IsUuidTest, AcceptsTheFormLatchkeyMakesAndNothingElse) {
  auto made = RandomUuidV4();
  ASSERT_TRUE(made.ok());
  EXPECT_TRUE(IsUuid(*made));
  EXPECT_TRUE(IsUuid("8A7C0F0E-2A1B-4C3D-9E8F-0A1B2C3D4E5F"));
  for (std::string_view bad : {"", "8a7c0f0e2a1b4c3d9e8f0a1b2c3d4e5f",
                               "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5",
                               "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5f0",
                               "8a7c0f0e_2a1b-4c3d-9e8f-0a1b2c3d4e5f",
                               "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5g",
                               "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e\xff"}) {
    EXPECT_FALSE(IsUuid(bad)) << bad;
  }
}

}  // namespace
}  // namespace latchkey::crypto
