#include "crypto/app_api_key.h"

#include <string>

#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

constexpr char kId[] = "0123abcd-0000-4000-8000-00000000beef";

TEST(AppApiKeyTest, NewKeysParseBackWithTheirParts) {
  for (AppApiKeyType type : {AppApiKeyType::kUser, AppApiKeyType::kTeam}) {
    for (bool is_public : {false, true}) {
      absl::StatusOr<std::string> key = NewAppApiKey(kId, type, is_public);
      ASSERT_TRUE(key.ok()) << key.status();
      EXPECT_EQ(key->substr(0, 3), is_public ? "pk_" : "sk_");
      EXPECT_NE(key->find("574ck4u7h"), std::string::npos);
      absl::StatusOr<ParsedAppApiKey> parsed = ParseAppApiKey(*key);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(parsed->key_id, kId);
      EXPECT_EQ(parsed->type, type);
      EXPECT_EQ(parsed->is_public, is_public);
    }
  }
}

TEST(AppApiKeyTest, EveryKeyIsDifferent) {
  EXPECT_NE(*NewAppApiKey(kId, AppApiKeyType::kUser, false),
            *NewAppApiKey(kId, AppApiKeyType::kUser, false));
}

// Checksums computed independently (Python's zlib.crc32), so the format
// matches what other implementations of it check.
TEST(AppApiKeyTest, IndependentVectorsParse) {
  absl::StatusOr<ParsedAppApiKey> secret = ParseAppApiKey(
      "sk_0123456789abcdefghjkmnpqrstvwxyz0123456789abc000000000000400080000000"
      "00000007user1574ck4u7h9f9f2300");
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->key_id, "00000000-0000-4000-8000-000000000007");
  EXPECT_EQ(secret->type, AppApiKeyType::kUser);
  EXPECT_FALSE(secret->is_public);
  absl::StatusOr<ParsedAppApiKey> open = ParseAppApiKey(
      "pk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz0123456789abcdef0123456"
      "789abcdefteam3574ck4u7h63b40f1c");
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(open->type, AppApiKeyType::kTeam);
  EXPECT_TRUE(open->is_public);
}

TEST(AppApiKeyTest, MalformedKeysAreRefused) {
  const std::string good = *NewAppApiKey(kId, AppApiKeyType::kUser, false);
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  std::string upper = good;
  upper[5] = 'A';
  std::string wrong_type = good;
  wrong_type.replace(3 + 45 + 32, 4, "test");
  std::string public_flag = good;
  public_flag[3 + 45 + 32 + 4] = '3';  // Flag says public, prefix says not.
  for (const std::string& bad :
       {std::string(), good.substr(1), good + "0", "xk" + good.substr(2),
        flipped, upper, wrong_type, public_flag,
        std::string(good.size(), 'a')}) {
    absl::StatusOr<ParsedAppApiKey> parsed = ParseAppApiKey(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status())) << bad;
    // The reason never repeats the key.
    EXPECT_EQ(parsed.status().message().find(good.substr(3, 20)),
              std::string::npos);
  }
}

TEST(AppApiKeyTest, IdMustBeAUuid) {
  EXPECT_FALSE(NewAppApiKey("not-a-uuid", AppApiKeyType::kUser, false).ok());
}

}  // namespace
}  // namespace latchkey::crypto
