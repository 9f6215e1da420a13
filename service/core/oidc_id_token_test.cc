#include "service/core/oidc_id_token.h"

#include "absl/strings/match.h"
#include "crypto/hashing.h"
#include "crypto/jws.h"
#include "crypto/jws_test_signer.h"
#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class IdTokenTest : public ::testing::Test {
 protected:
  IdTokenTest() : signer_("RS256", "key-1") {
    expected_.issuer = "https://idp.example";
    expected_.client_id = "client-1";
    expected_.nonce = "nonce-1";
    expected_.access_token = "access-1";
    expected_.now = absl::FromUnixSeconds(kNow);
  }

  nlohmann::json GoodClaims() const {
    return {{"iss", "https://idp.example"},
            {"sub", "alice"},
            {"aud", "client-1"},
            {"exp", kNow + 300},
            {"iat", kNow - 10},
            {"nonce", "nonce-1"},
            {"at_hash", *crypto::OidcLeftHalfHash("RS256", "access-1")},
            {"email", "alice@example.com"},
            {"email_verified", true},
            {"name", "Alice"}};
  }

  absl::StatusOr<IdTokenClaims> Check(const nlohmann::json& claims) const {
    return ValidateIdToken(signer_.Sign(claims), signer_.jwks(), expected_);
  }

  // Refused, and the message names `what`.
  void ExpectRefused(const nlohmann::json& claims, const std::string& what) {
    absl::StatusOr<IdTokenClaims> result = Check(claims);
    ASSERT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
        << what << ": " << result.status();
    EXPECT_TRUE(absl::StrContains(result.status().message(), what))
        << result.status();
  }

  crypto::TestJwsSigner signer_;
  IdTokenExpectations expected_;
};

TEST_F(IdTokenTest, AGoodTokenGivesItsClaims) {
  absl::StatusOr<IdTokenClaims> claims = Check(GoodClaims());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->sub, "alice");
  EXPECT_EQ(claims->email, "alice@example.com");
  EXPECT_TRUE(claims->email_verified);
  EXPECT_EQ(claims->name, "Alice");
  EXPECT_EQ(claims->picture, std::nullopt);
}

TEST_F(IdTokenTest, EachClaimWrongOnce) {
  nlohmann::json c = GoodClaims();
  c["iss"] = "https://idp.example/";
  ExpectRefused(c, "iss");
  c = GoodClaims();
  c.erase("iss");
  ExpectRefused(c, "iss");

  c = GoodClaims();
  c["aud"] = "client-2";
  ExpectRefused(c, "aud");
  c = GoodClaims();
  c["aud"] = nlohmann::json::array({"client-2", "client-3"});
  ExpectRefused(c, "aud");
  c = GoodClaims();
  c.erase("aud");
  ExpectRefused(c, "aud");
  // Several audiences need azp naming us.
  c = GoodClaims();
  c["aud"] = nlohmann::json::array({"client-1", "client-2"});
  ExpectRefused(c, "azp");
  c["azp"] = "client-2";
  ExpectRefused(c, "azp");

  c = GoodClaims();
  c["exp"] = kNow - 61;
  ExpectRefused(c, "expired");
  c = GoodClaims();
  c.erase("exp");
  ExpectRefused(c, "exp is missing");
  c = GoodClaims();
  c["exp"] = "soon";
  ExpectRefused(c, "exp is missing");

  c = GoodClaims();
  c["iat"] = kNow + 3600;
  ExpectRefused(c, "iat is in the future");
  c = GoodClaims();
  c.erase("iat");
  ExpectRefused(c, "iat is missing");

  c = GoodClaims();
  c["nonce"] = "nonce-2";
  ExpectRefused(c, "nonce");
  c = GoodClaims();
  c.erase("nonce");
  ExpectRefused(c, "nonce");

  c = GoodClaims();
  c["at_hash"] = *crypto::OidcLeftHalfHash("RS256", "another-token");
  ExpectRefused(c, "at_hash");

  c = GoodClaims();
  c["sub"] = "";
  ExpectRefused(c, "sub");
  c = GoodClaims();
  c.erase("sub");
  ExpectRefused(c, "sub");
}

TEST_F(IdTokenTest, ArraysWithAzpAndTheLeewayAreAccepted) {
  nlohmann::json c = GoodClaims();
  c["aud"] = nlohmann::json::array({"client-1", "client-2"});
  c["azp"] = "client-1";
  EXPECT_TRUE(Check(c).ok());
  c = GoodClaims();
  c["exp"] = kNow - 30;  // within the minute of leeway
  EXPECT_TRUE(Check(c).ok());
  // at_hash is optional in the code flow.
  c = GoodClaims();
  c.erase("at_hash");
  EXPECT_TRUE(Check(c).ok());
}

TEST_F(IdTokenTest, TheSignatureComesFirst) {
  crypto::TestJwsSigner stranger("RS256", "key-1");
  absl::StatusOr<IdTokenClaims> result =
      ValidateIdToken(stranger.Sign(GoodClaims()), signer_.jwks(), expected_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  // A key the set lacks: NOT_FOUND, so that the caller refetches the set.
  crypto::TestJwsSigner rotated("RS256", "key-2");
  EXPECT_EQ(
      ValidateIdToken(rotated.Sign(GoodClaims()), signer_.jwks(), expected_)
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  // alg none.
  EXPECT_EQ(ValidateIdToken(
                signer_.Sign({{"alg", "none"}, {"kid", "key-1"}}, GoodClaims()),
                signer_.jwks(), expected_)
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(IdTokenTest, EmailVerifiedAsAStringCounts) {
  nlohmann::json c = GoodClaims();
  c["email_verified"] = "true";
  EXPECT_TRUE(Check(c)->email_verified);
  c["email_verified"] = false;
  EXPECT_FALSE(Check(c)->email_verified);
  c.erase("email_verified");
  EXPECT_FALSE(Check(c)->email_verified);
}

}  // namespace
}  // namespace latchkey::service::core
