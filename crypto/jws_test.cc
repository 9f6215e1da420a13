#include "crypto/jws.h"

#include <memory>
#include <string>

#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/jws_test_signer.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using Key = TestJwsSigner;

std::unique_ptr<Key> MakeKey(const std::string& alg, const std::string& kid) {
  return std::make_unique<Key>(alg, kid);
}

std::string Sign(const Key& key, const nlohmann::json& header,
                 const nlohmann::json& claims) {
  return key.Sign(header, claims);
}

const nlohmann::json kClaims = {{"iss", "https://idp.example"},
                                {"sub", "alice"}};

TEST(JwsTest, EveryAlgorithmVerifiesWithItsKey) {
  for (const std::string alg :
       {"RS256", "RS384", "RS512", "PS256", "ES256", "EdDSA"}) {
    auto key = MakeKey(alg, "k1");
    const nlohmann::json jwks = {{"keys", {key->jwk()}}};
    const std::string token =
        Sign(*key, {{"alg", alg}, {"kid", "k1"}}, kClaims);
    absl::StatusOr<VerifiedJws> verified = VerifyJwsWithJwks(token, jwks);
    ASSERT_TRUE(verified.ok()) << alg << ": " << verified.status();
    EXPECT_EQ(verified->alg, alg);
    EXPECT_EQ(verified->claims["sub"], "alice");
  }
}

TEST(JwsTest, ATamperedPayloadOrSignatureFails) {
  auto key = MakeKey("RS256", "k1");
  const nlohmann::json jwks = {{"keys", {key->jwk()}}};
  const std::string token =
      Sign(*key, {{"alg", "RS256"}, {"kid", "k1"}}, kClaims);
  const size_t dot = token.find('.');
  const std::string other_claims = Base64UrlEncode(
      nlohmann::json({{"iss", "https://idp.example"}, {"sub", "mallory"}})
          .dump());
  const std::string swapped =
      token.substr(0, dot + 1) + other_claims + token.substr(token.rfind('.'));
  EXPECT_EQ(VerifyJwsWithJwks(swapped, jwks).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string flipped = token;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyJwsWithJwks(flipped, jwks).ok());
}

TEST(JwsTest, AnotherKeysSignatureFails) {
  auto signer = MakeKey("ES256", "k1");
  auto published = MakeKey("ES256", "k1");
  const nlohmann::json jwks = {{"keys", {published->jwk()}}};
  EXPECT_EQ(VerifyJwsWithJwks(
                Sign(*signer, {{"alg", "ES256"}, {"kid", "k1"}}, kClaims), jwks)
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(JwsTest, NoneAndHmacAreRefused) {
  auto key = MakeKey("RS256", "k1");
  const nlohmann::json jwks = {{"keys", {key->jwk()}}};
  for (const char* alg : {"none", "HS256", "RS1", ""}) {
    const std::string token =
        Base64UrlEncode(nlohmann::json({{"alg", alg}, {"kid", "k1"}}).dump()) +
        "." + Base64UrlEncode(kClaims.dump()) + ".";
    EXPECT_EQ(VerifyJwsWithJwks(token, jwks).status().code(),
              absl::StatusCode::kUnauthenticated)
        << alg;
  }
}

TEST(JwsTest, KeySelection) {
  auto k1 = MakeKey("RS256", "k1");
  auto k2 = MakeKey("RS256", "k2");
  const std::string by_k2 =
      Sign(*k2, {{"alg", "RS256"}, {"kid", "k2"}}, kClaims);
  // The kid picks the key among several.
  EXPECT_TRUE(
      VerifyJwsWithJwks(by_k2, {{"keys", {k1->jwk(), k2->jwk()}}}).ok());
  // An unknown kid: NOT_FOUND, so the caller may refetch the set.
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {k1->jwk()}}}).status().code(),
            absl::StatusCode::kNotFound);
  // A key for encryption, or for another algorithm, is never used.
  nlohmann::json enc = k2->jwk();
  enc["use"] = "enc";
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {enc}}}).status().code(),
            absl::StatusCode::kNotFound);
  nlohmann::json other_alg = k2->jwk();
  other_alg["alg"] = "PS256";
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {other_alg}}}).status().code(),
            absl::StatusCode::kNotFound);
  // Without a kid: the only fitting key, never a guess among several.
  const std::string no_kid = Sign(*k2, {{"alg", "RS256"}}, kClaims);
  EXPECT_TRUE(VerifyJwsWithJwks(no_kid, {{"keys", {k2->jwk()}}}).ok());
  EXPECT_EQ(VerifyJwsWithJwks(no_kid, {{"keys", {k1->jwk(), k2->jwk()}}})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(JwsTest, MalformedTokensAreInvalidArgument) {
  const nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (const std::string& token :
       {std::string("a.b"), std::string("a.b.c.d"), std::string("!!.e30.x"),
        Base64UrlEncode("[1]") + ".e30.", std::string(20000, 'a')}) {
    EXPECT_EQ(VerifyJwsWithJwks(token, jwks).status().code(),
              absl::StatusCode::kInvalidArgument)
        << token.substr(0, 40);
  }
  const std::string crit =
      Base64UrlEncode(R"({"alg":"RS256","crit":["b64"]})") + ".e30.";
  EXPECT_EQ(VerifyJwsWithJwks(crit, jwks).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JwsTest, LeftHalfHash) {
  // The left 16 bytes of SHA-256, base64url.
  EXPECT_EQ(*OidcLeftHalfHash("RS256", "an-access-token"),
            Base64UrlEncode(Sha256("an-access-token").substr(0, 16)));
  EXPECT_EQ(OidcLeftHalfHash("RS384", "x")->size(), 32u);  // 24 bytes
  EXPECT_FALSE(OidcLeftHalfHash("HS256", "x").ok());
}

}  // namespace
}  // namespace latchkey::crypto
