// The passkey flows end to end in core, with a software authenticator
// (crypto/webauthn_test_authenticator.h) standing in for the browser.

#include "service/core/passkey_sign_in.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/encoding.h"
#include "crypto/webauthn_test_authenticator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/core/sign_in_fixture.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "https://app.example.com";
constexpr char kRpId[] = "app.example.com";

std::string B64(const std::string& bytes) {
  return crypto::Base64UrlEncode(bytes);
}

// Each test on SQLite and on PostgreSQL.
class PasskeySignInTest
    : public SignInFixture,
      public ::testing::WithParamInterface<storage::testing::TestBackend> {
 protected:
  storage::testing::TestBackend backend() const override { return GetParam(); }

  void SetUp() override {
    SignInFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    project_.config.set_passkey_enabled(true);
    project_.config.add_domains()->set_domain("https://*.example.com");
    user_ = AddUser("pat@example.com", std::nullopt);
  }

  PasskeySignIn Flows() const { return PasskeySignIn(*services_); }

  nlohmann::json Options(const PasskeySignIn::Challenge& challenge) {
    return nlohmann::json::parse(challenge.options_json);
  }

  std::string RegistrationJson(
      const crypto::TestAuthenticator& a,
      const crypto::TestAuthenticator::Registration& r) {
    const std::string id = B64(a.credential_id());
    return nlohmann::json{{"id", id},
                          {"rawId", id},
                          {"type", "public-key"},
                          {"response",
                           {{"clientDataJSON", B64(r.client_data_json)},
                            {"attestationObject", B64(r.attestation_object)},
                            {"transports", {"internal"}}}},
                          {"clientExtensionResults", nlohmann::json::object()}}
        .dump();
  }

  std::string AssertionJson(const crypto::TestAuthenticator& a,
                            const crypto::TestAuthenticator::Assertion& s) {
    const std::string id = B64(a.credential_id());
    return nlohmann::json{{"id", id},
                          {"rawId", id},
                          {"type", "public-key"},
                          {"response",
                           {{"clientDataJSON", B64(s.client_data_json)},
                            {"authenticatorData", B64(s.authenticator_data)},
                            {"signature", B64(s.signature)}}}}
        .dump();
  }

  // Registers `a` for `user_id` from `origin`.
  absl::StatusOr<std::string> Register(crypto::TestAuthenticator& a,
                                       const std::string& user_id,
                                       const std::string& origin = kOrigin,
                                       const std::string& rp_id = kRpId) {
    auto challenge = Flows().InitiateRegistration(project_, user_id);
    if (!challenge.ok()) return challenge.status();
    auto r = a.Register(origin, rp_id,
                        Options(*challenge)["challenge"].get<std::string>());
    return Flows().Register(
        {project_, user_id, RegistrationJson(a, r), challenge->code});
  }

  absl::StatusOr<SignedIn> SignIn(crypto::TestAuthenticator& a,
                                  const std::string& origin = kOrigin) {
    auto challenge = Flows().InitiateAuthentication(project_);
    if (!challenge.ok()) return challenge.status();
    auto s = a.Assert(origin, kRpId,
                      Options(*challenge)["challenge"].get<std::string>());
    return Flows().SignIn({project_, AssertionJson(a, s), challenge->code});
  }

  std::string user_;
};

TEST_P(PasskeySignInTest, OptionsAreStacks) {
  auto registration = Flows().InitiateRegistration(project_, user_);
  ASSERT_TRUE(registration.ok()) << registration.status();
  EXPECT_EQ(registration->code.size(), 45u);
  nlohmann::json o = Options(*registration);
  EXPECT_EQ(o["rp"]["id"], "THIS_VALUE_WILL_BE_REPLACED.example.com");
  EXPECT_EQ(o["user"]["id"], B64(user_));
  EXPECT_EQ(o["user"]["name"], "pat@example.com");
  EXPECT_EQ(
      o["pubKeyCredParams"],
      nlohmann::json::parse(
          R"([{"alg":-8,"type":"public-key"},{"alg":-7,"type":"public-key"},{"alg":-257,"type":"public-key"}])"));
  EXPECT_EQ(o["timeout"], 60000);
  EXPECT_EQ(o["attestation"], "none");
  EXPECT_EQ(o["authenticatorSelection"]["userVerification"], "preferred");
  EXPECT_EQ(crypto::Base64UrlDecode(o["challenge"].get<std::string>())->size(),
            32u);
  auto authentication = Flows().InitiateAuthentication(project_);
  ASSERT_TRUE(authentication.ok());
  EXPECT_EQ(
      Options(*authentication),
      nlohmann::json({{"challenge", Options(*authentication)["challenge"]},
                      {"rpId", "THIS_VALUE_WILL_BE_REPLACED.example.com"},
                      {"allowCredentials", nlohmann::json::array()},
                      {"timeout", 60000},
                      {"userVerification", "preferred"}}));
}

TEST_P(PasskeySignInTest, EveryStepNeedsTheProjectSetting) {
  project_.config.set_passkey_enabled(false);
  crypto::TestAuthenticator a;
  EXPECT_THAT(Flows().InitiateRegistration(project_, user_).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_NOT_ENABLED));
  EXPECT_THAT(Flows().InitiateAuthentication(project_).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_NOT_ENABLED));
  EXPECT_THAT(Flows().Register({project_, user_, "{}", "x"}).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_NOT_ENABLED));
  EXPECT_THAT(Flows().SignIn({project_, "{}", "x"}).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_NOT_ENABLED));
}

TEST_P(PasskeySignInTest, RegisterThenSignInTwice) {
  crypto::TestAuthenticator a;
  absl::StatusOr<std::string> id = Register(a, user_);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, B64(a.credential_id()));
  EXPECT_TRUE(User(user_).user.passkey_auth_enabled);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<SignedIn> signed_in = SignIn(a);
    ASSERT_TRUE(signed_in.ok()) << signed_in.status();
    EXPECT_EQ(signed_in->user_id, user_);
    EXPECT_FALSE(signed_in->access_token.empty());
  }
  EXPECT_EQ(ActiveSessions(user_), 2u);
}

TEST_P(PasskeySignInTest, ACounterThatDoesNotGrowIsRefused) {
  crypto::TestAuthenticator a;
  ASSERT_TRUE(Register(a, user_).ok());
  ASSERT_TRUE(SignIn(a).ok());  // counter 1
  ASSERT_TRUE(SignIn(a).ok());  // counter 2
  a.set_sign_count(1);          // a clone still at 1 answers 2 again
  EXPECT_THAT(SignIn(a).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_FAILED));
}

TEST_P(PasskeySignInTest, ChallengesAreSingleUseAndSpentBeforeVerification) {
  crypto::TestAuthenticator a;
  auto challenge = Flows().InitiateRegistration(project_, user_);
  ASSERT_TRUE(challenge.ok());
  // A wrong challenge fails and burns the code ...
  auto wrong = a.Register(kOrigin, kRpId, B64("not the challenge"));
  EXPECT_THAT(Flows()
                  .Register({project_, user_, RegistrationJson(a, wrong),
                             challenge->code})
                  .status(),
              HasErrorCode(identity::v1::PASSKEY_REGISTRATION_FAILED));
  // ... so the right answer cannot follow it.
  auto right = a.Register(kOrigin, kRpId,
                          Options(*challenge)["challenge"].get<std::string>());
  EXPECT_THAT(Flows()
                  .Register({project_, user_, RegistrationJson(a, right),
                             challenge->code})
                  .status(),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));

  // An assertion replayed with its code.
  ASSERT_TRUE(Register(a, user_).ok());
  auto auth = Flows().InitiateAuthentication(project_);
  ASSERT_TRUE(auth.ok());
  auto s =
      a.Assert(kOrigin, kRpId, Options(*auth)["challenge"].get<std::string>());
  ASSERT_TRUE(Flows().SignIn({project_, AssertionJson(a, s), auth->code}).ok());
  EXPECT_THAT(
      Flows().SignIn({project_, AssertionJson(a, s), auth->code}).status(),
      HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
}

TEST_P(PasskeySignInTest, ChallengesExpireAfter65Seconds) {
  crypto::TestAuthenticator a;
  auto challenge = Flows().InitiateRegistration(project_, user_);
  ASSERT_TRUE(challenge.ok());
  clock_.Advance(absl::Seconds(66));
  auto r = a.Register(kOrigin, kRpId,
                      Options(*challenge)["challenge"].get<std::string>());
  EXPECT_THAT(
      Flows()
          .Register({project_, user_, RegistrationJson(a, r), challenge->code})
          .status(),
      HasErrorCode(identity::v1::VERIFICATION_CODE_EXPIRED));
}

TEST_P(PasskeySignInTest, ARegistrationCodeIsBoundToItsUser) {
  const std::string other = AddUser("other@example.com", std::nullopt);
  crypto::TestAuthenticator a;
  auto challenge = Flows().InitiateRegistration(project_, user_);
  ASSERT_TRUE(challenge.ok());
  auto r = a.Register(kOrigin, kRpId,
                      Options(*challenge)["challenge"].get<std::string>());
  EXPECT_THAT(
      Flows()
          .Register({project_, other, RegistrationJson(a, r), challenge->code})
          .status(),
      HasErrorCode(identity::v1::VERIFICATION_CODE_NOT_FOUND));
  // Not used up by the other user's attempt.
  EXPECT_TRUE(
      Flows()
          .Register({project_, user_, RegistrationJson(a, r), challenge->code})
          .ok());
}

TEST_P(PasskeySignInTest, AnUntrustedOriginIsRefused) {
  crypto::TestAuthenticator a;
  absl::StatusOr<std::string> registered =
      Register(a, user_, "https://app.example.org", "app.example.org");
  EXPECT_THAT(registered.status(),
              HasErrorCode(identity::v1::PASSKEY_REGISTRATION_FAILED));
  EXPECT_THAT(registered.status().message(), HasSubstr("trusted"));
  ASSERT_TRUE(Register(a, user_).ok());
  EXPECT_THAT(SignIn(a, "https://evil.example.org").status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_FAILED));
  // Localhost, where the project allows it; the RP ID is then "localhost".
  crypto::TestAuthenticator local;
  EXPECT_TRUE(
      Register(local, user_, "http://localhost:3000", "localhost").ok());
  project_.config.set_allow_localhost(false);
  crypto::TestAuthenticator refused;
  EXPECT_THAT(
      Register(refused, user_, "http://localhost:3000", "localhost").status(),
      HasErrorCode(identity::v1::PASSKEY_REGISTRATION_FAILED));
}

TEST_P(PasskeySignInTest, AnUnknownCredentialIsRefused) {
  crypto::TestAuthenticator a;
  EXPECT_THAT(SignIn(a).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_FAILED));
}

TEST_P(PasskeySignInTest, RegisteringAgainReplacesThePasskey) {
  crypto::TestAuthenticator first, second;
  ASSERT_TRUE(Register(first, user_).ok());
  ASSERT_TRUE(Register(second, user_).ok());
  EXPECT_THAT(SignIn(first).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_FAILED));
  EXPECT_TRUE(SignIn(second).ok());
  // Another user cannot take over a registered credential id.
  const std::string other = AddUser("other@example.com", std::nullopt);
  EXPECT_THAT(Register(second, other).status(),
              HasErrorCode(identity::v1::PASSKEY_REGISTRATION_FAILED));
}

TEST_P(PasskeySignInTest, AUserWithTotpNeedsTheSecondFactor) {
  const std::string mfa_user =
      AddUser("mfa@example.com", std::nullopt, /*with_totp=*/true);
  crypto::TestAuthenticator a;
  ASSERT_TRUE(Register(a, mfa_user).ok());
  EXPECT_THAT(SignIn(a).status(),
              HasErrorCode(identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED));
  EXPECT_EQ(ActiveSessions(mfa_user), 0u);
}

TEST_P(PasskeySignInTest, TurningPasskeysOffRemovesThem) {
  crypto::TestAuthenticator a;
  ASSERT_TRUE(Register(a, user_).ok());
  UserChanges on;
  on.passkey_auth_enabled = true;
  // Already on: setting it on again changes nothing.
  EXPECT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   return UpdateUser(repos, project_.project.id, user_, on,
                                     clock_.Now());
                 })
                  .ok());
  UserChanges off;
  off.passkey_auth_enabled = false;
  ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   return UpdateUser(repos, project_.project.id, user_, off,
                                     clock_.Now());
                 })
                  .ok());
  EXPECT_FALSE(User(user_).user.passkey_auth_enabled);
  EXPECT_THAT(SignIn(a).status(),
              HasErrorCode(identity::v1::PASSKEY_AUTHENTICATION_FAILED));
  // Without a passkey it cannot be turned on.
  EXPECT_THAT(db_->RunInTransaction([&](storage::Repositories& repos) {
    return UpdateUser(repos, project_.project.id, user_, on, clock_.Now());
  }),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
}

TEST_P(PasskeySignInTest, MalformedCredentialsAreRegistrationFailures) {
  auto challenge = Flows().InitiateRegistration(project_, user_);
  ASSERT_TRUE(challenge.ok());
  for (
      const char* json :
      {"{}", R"({"id":"AA","rawId":"AB","type":"public-key","response":{}})",
       R"({"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"!!"}})"}) {
    auto again = Flows().InitiateRegistration(project_, user_);
    ASSERT_TRUE(again.ok());
    EXPECT_THAT(Flows().Register({project_, user_, json, again->code}).status(),
                HasErrorCode(identity::v1::PASSKEY_REGISTRATION_FAILED))
        << json;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Backends, PasskeySignInTest,
    ::testing::Values(storage::testing::TestBackend::kSqlite,
                      storage::testing::TestBackend::kPostgres),
    [](const ::testing::TestParamInfo<storage::testing::TestBackend>& info) {
      return std::string(storage::testing::TestBackendName(info.param));
    });

}  // namespace
}  // namespace latchkey::service::core
