#include "crypto/jwks.h"

#include <string>

#include "absl/status/status.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kNewSecret[] = "o8DKcN0lqVv5eAqhXq1zWm9yS8bJk2u3Tt6Rr4Pp7Lw";

std::unique_ptr<KeyRing> MakeRing(const char* current,
                                  const char* previous = nullptr) {
  KeyRing::Options options;
  options.current_secret = current;
  if (previous != nullptr) options.previous_secret = previous;
  return *KeyRing::Create(options);
}

std::vector<std::string> Kids(const std::string& jwks_text) {
  std::vector<std::string> kids;
  const nlohmann::json parsed = nlohmann::json::parse(jwks_text);
  for (const auto& key : parsed["keys"]) {
    kids.push_back(key["kid"]);
  }
  return kids;
}

TEST(JwksAudiencesTest, AnonymousImpliesRestricted) {
  EXPECT_EQ(JwksAudiences("internal"), std::vector<std::string>({"internal"}));
  EXPECT_EQ(JwksAudiences("internal", {.restricted = true}),
            std::vector<std::string>({"internal", "internal:restricted"}));
  EXPECT_EQ(JwksAudiences("internal", {.anonymous = true}),
            std::vector<std::string>(
                {"internal", "internal:restricted", "internal:anon"}));
  EXPECT_EQ(
      JwksAudiences("internal", {.restricted = true, .anonymous = true}).size(),
      3u);
}

TEST(JwksTest, PublishesCompatVectorKeyInStacksShape) {
  auto ring = MakeRing(kSecret);
  auto jwks = BuildJwks(*ring, {"internal"});
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  auto parsed = nlohmann::ordered_json::parse(*jwks);
  ASSERT_EQ(parsed["keys"].size(), 2u);
  EXPECT_EQ(parsed["keys"][0].dump(),
            R"({"kty":"EC","crv":"P-256","alg":"ES256","kid":"M5zZLA6iQw2n",)"
            R"("x":"1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k",)"
            R"("y":"vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4"})");
  EXPECT_EQ(parsed["keys"][1]["kid"], "YllKZ6LZIF_3");
  // No private material.
  EXPECT_EQ(jwks->find("\"d\""), std::string::npos);
}

TEST(JwksTest, TwoFourOrSixKeysByUserTypes) {
  auto ring = MakeRing(kSecret);
  EXPECT_EQ(Kids(*BuildJwks(*ring, JwksAudiences("internal"))),
            std::vector<std::string>({"M5zZLA6iQw2n", "YllKZ6LZIF_3"}));
  EXPECT_EQ(
      Kids(*BuildJwks(*ring, JwksAudiences("internal", {.restricted = true})))
          .size(),
      4u);
  EXPECT_EQ(
      Kids(*BuildJwks(*ring, JwksAudiences("internal", {.anonymous = true}))),
      std::vector<std::string>({"M5zZLA6iQw2n", "YllKZ6LZIF_3", "Wxg1H4Lo4CEx",
                                "GdLi8GXCBnIs", "FInOUGcpZb24",
                                "Rb-x5tnB7YSS"}));
}

TEST(JwksTest, PreviousSecretKeysStayPublishedDuringRotation) {
  auto ring = MakeRing(kNewSecret, kSecret);
  auto kids = Kids(*BuildJwks(*ring, {"internal"}));
  ASSERT_EQ(kids.size(), 4u);
  EXPECT_NE(kids[0], "M5zZLA6iQw2n");
  EXPECT_EQ(kids[2], "M5zZLA6iQw2n");
  EXPECT_EQ(kids[3], "YllKZ6LZIF_3");
}

TEST(JwksTest, CoordinatesAreAlways32Bytes) {
  // About 1 in 128 keys has a coordinate with a leading zero byte; over many
  // audiences such keys occur, and each must still encode 32 bytes.
  auto ring = MakeRing(kSecret);
  int padded = 0;
  for (int i = 0; i < 200; ++i) {
    char project[37];
    std::snprintf(project, sizeof(project), "00000000-0000-4000-8000-%012d", i);
    auto keys = ring->KeysFor(project);
    ASSERT_TRUE(keys.ok());
    for (const auto& key : (*keys)->keys) {
      auto jwk = PublicJwk(*key);
      std::string x = jwk["x"], y = jwk["y"];
      EXPECT_EQ(Base64UrlDecode(x)->size(), 32u);
      EXPECT_EQ(Base64UrlDecode(y)->size(), 32u);
      if (key->x()[0] == '\0' || key->y()[0] == '\0') ++padded;
    }
  }
  EXPECT_GT(padded, 0) << "no key with a leading zero; the test proves less";
}

TEST(JwksTest, InvalidAudienceIsRejected) {
  auto ring = MakeRing(kSecret);
  EXPECT_EQ(BuildJwks(*ring, {"internal", "nope"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey::crypto
