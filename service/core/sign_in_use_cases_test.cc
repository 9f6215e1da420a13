// The security rules of the password and MFA sign-in use cases
// (password_sign_in.h, password_sign_up.h, mfa_sign_in.h), against SQLite.

#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "crypto/signing_keys.h"
#include "crypto/totp.h"
#include "gtest/gtest.h"
#include "service/core/access_tokens.h"
#include "service/core/bootstrap.h"
#include "service/core/fair_work_queue.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/password_sign_in.h"
#include "service/core/password_sign_up.h"
#include "service/core/passwords.h"
#include "service/core/project_config.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/refresh_successors.h"
#include "service/core/sessions.h"
#include "service/core/sign_in_fixture.h"
#include "service/core/sign_in_services.h"
#include "service/core/totp_secrets.h"
#include "service/core/users.h"
#include "service/core/verification_codes.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

ApiErrorView ErrorOf(const absl::Status& status) {
  std::optional<ApiErrorView> error = ReadApiError(status);
  EXPECT_TRUE(error.has_value()) << status;
  return error.value_or(ApiErrorView{});
}

class SignInUseCasesTest : public SignInFixture {};

TEST_F(SignInUseCasesTest, RightPasswordStartsASession) {
  const std::string id = AddUser("ann@example.com", Argon2Of(kPassword));
  auto signed_in = SignInAs("Ann@Example.com", kPassword);
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->user_id, id);
  EXPECT_FALSE(signed_in->access_token.empty());
  EXPECT_FALSE(signed_in->refresh_token.empty());
  EXPECT_EQ(ActiveSessions(id), 1u);
}

// Neither the answer nor the work done tells whether an email exists: an
// unknown email, a user without a password and a wrong password all answer
// the same EMAIL_PASSWORD_MISMATCH.
TEST_F(SignInUseCasesTest, UnknownEmailAndWrongPasswordAnswerAlike) {
  AddUser("ann@example.com", Argon2Of(kPassword));
  AddUser("bob@example.com", std::nullopt);
  const absl::Status wrong =
      SignInAs("ann@example.com", "not the password").status();
  const absl::Status unknown = SignInAs("eve@example.com", kPassword).status();
  const absl::Status no_password =
      SignInAs("bob@example.com", kPassword).status();
  EXPECT_THAT(wrong, HasErrorCode(identity::v1::EMAIL_PASSWORD_MISMATCH))
      << wrong;
  for (const absl::Status& other : {unknown, no_password}) {
    EXPECT_EQ(ToPublicError(other), ToPublicError(wrong)) << other;
    EXPECT_EQ(ErrorOf(other).details, ErrorOf(wrong).details);
  }
}

// An unknown email still spends one password verification (the dummy
// one): with the project's hashing line full it is refused RATE_LIMITED by
// the hasher, exactly as the check of a real user's password is. Without
// the dummy verification it would answer EMAIL_PASSWORD_MISMATCH at once,
// and quicker than for an email that exists.
TEST_F(SignInUseCasesTest, UnknownEmailSpendsAPasswordVerification) {
  AddUser("ann@example.com", Argon2Of(kPassword));
  std::latch running(1);
  std::latch release(1);
  std::latch finished(1);
  ASSERT_TRUE(hash_queue_.TrySubmit("hold", 1, [&] {
    running.count_down();
    release.wait();
    finished.count_down();
  }));
  // However the test ends, let the slot go and wait until the job no longer
  // touches these latches (they die with this scope).
  struct Release {
    std::latch& release;
    std::latch& finished;
    ~Release() {
      release.count_down();
      finished.wait();
    }
  } release_at_end{release, finished};
  running.wait();
  ASSERT_TRUE(hash_queue_.TrySubmit(project_.project.id, 1, [] {}));

  const absl::Status unknown = SignInAs("eve@example.com", kPassword).status();
  const absl::Status known =
      SignInAs("ann@example.com", kPassword, kAddressB).status();
  EXPECT_THAT(known, HasErrorCode(identity::v1::RATE_LIMITED)) << known;
  EXPECT_THAT(unknown, HasErrorCode(identity::v1::RATE_LIMITED)) << unknown;
  EXPECT_EQ(ErrorOf(unknown).details, ErrorOf(known).details);
}

// Guesses at one account are paced per (account, address): address A's
// failures slow A down, while the owner at address B still gets in.
TEST_F(SignInUseCasesTest, BackOffIsPerAccountAndAddress) {
  const std::string id = AddUser("ann@example.com", Argon2Of(kPassword));
  project_.config.mutable_rate_limits()
      ->mutable_sign_in_per_account()
      ->set_limit(10);
  project_.config.mutable_rate_limits()
      ->mutable_sign_in_per_account()
      ->set_window_seconds(900);
  for (int i = 0; i < 3; ++i) {  // the free attempts
    EXPECT_THAT(SignInAs("ann@example.com", "guess", kAddressA),
                HasErrorCode(identity::v1::EMAIL_PASSWORD_MISMATCH))
        << i;
  }
  const absl::Status paced =
      SignInAs("ann@example.com", kPassword, kAddressA).status();
  EXPECT_THAT(paced, HasErrorCode(identity::v1::RATE_LIMITED)) << paced;

  auto owner = SignInAs("ann@example.com", kPassword, kAddressB);
  ASSERT_TRUE(owner.ok()) << owner.status();
  EXPECT_EQ(owner->user_id, id);

  // Once A has waited as told, A is let through again.
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(SignInAs("ann@example.com", kPassword, kAddressA).ok());
}

// Guesses spread over many addresses still stop at the per-account ceiling
// (RateLimiter::kAccountCeilingFactor x the per-address limit).
TEST_F(SignInUseCasesTest, PerAccountCeilingStopsGuessesFromManyAddresses) {
  AddUser("ann@example.com", Argon2Of(kPassword));
  project_.config.mutable_rate_limits()
      ->mutable_sign_in_per_account()
      ->set_limit(1);
  project_.config.mutable_rate_limits()
      ->mutable_sign_in_per_account()
      ->set_window_seconds(900);
  for (int i = 0; i < RateLimiter::kAccountCeilingFactor; ++i) {
    const std::string address = absl::StrCat("192.0.2.", i + 1);
    EXPECT_THAT(SignInAs("ann@example.com", "guess", address),
                HasErrorCode(identity::v1::EMAIL_PASSWORD_MISMATCH))
        << address;
    // That address's budget is used up.
    EXPECT_THAT(SignInAs("ann@example.com", kPassword, address),
                HasErrorCode(identity::v1::RATE_LIMITED))
        << address;
  }
  const absl::Status fresh =
      SignInAs("ann@example.com", kPassword, "192.0.2.200").status();
  EXPECT_THAT(fresh, HasErrorCode(identity::v1::RATE_LIMITED)) << fresh;
}

TEST_F(SignInUseCasesTest, BcryptHashIsReplacedByArgon2idOnSuccessOnly) {
  const std::string id = AddUser(
      "ann@example.com", PasswordHash{kBcryptHash, PasswordAlgorithm::kBcrypt});
  EXPECT_THAT(SignInAs("ann@example.com", "U*U*"),
              HasErrorCode(identity::v1::EMAIL_PASSWORD_MISMATCH));
  storage::PasswordCredentialRecord after_failure = StoredPassword(id);
  EXPECT_EQ(after_failure.algorithm, "bcrypt");
  EXPECT_EQ(after_failure.password_hash, kBcryptHash);

  auto signed_in = SignInAs("ann@example.com", kBcryptPassword, kAddressB);
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  storage::PasswordCredentialRecord upgraded = StoredPassword(id);
  EXPECT_EQ(upgraded.algorithm, "argon2id");
  EXPECT_TRUE(absl::StartsWith(upgraded.password_hash, "$argon2id$"))
      << upgraded.password_hash;
  // The new hash holds the same password.
  auto check = passwords_.Verify(kBcryptPassword, upgraded.password_hash,
                                 project_.config);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_FALSE(check->needs_rehash);
}

TEST_F(SignInUseCasesTest, TotpUserGetsAnAttemptCodeAndNoSession) {
  const std::string id =
      AddUser("ann@example.com", Argon2Of(kPassword), /*with_totp=*/true);
  const absl::Status mfa = SignInAs("ann@example.com", kPassword).status();
  ApiErrorView error = ErrorOf(mfa);
  ASSERT_EQ(error.code, identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED)
      << mfa;
  const std::string attempt_code = error.details["attempt_code"];
  ASSERT_FALSE(attempt_code.empty());
  EXPECT_EQ(ActiveSessions(id), 0u);

  MfaSignIn mfa_sign_in(*services_, kServerSecret, std::nullopt);
  // The clock and the seed are fixed: "000000" is not the code now.
  const absl::Status wrong =
      mfa_sign_in.Run({project_, attempt_code, "000000", kAddressA}).status();
  EXPECT_THAT(wrong, HasErrorCode(identity::v1::INVALID_TOTP_CODE)) << wrong;
  EXPECT_EQ(ActiveSessions(id), 0u);

  auto totp = crypto::Totp::Create(kTotpSeed, clock_);
  ASSERT_TRUE(totp.ok()) << totp.status();
  auto code = totp->CodeAt(clock_.Now());
  ASSERT_TRUE(code.ok()) << code.status();
  auto signed_in = mfa_sign_in.Run({project_, attempt_code, *code, kAddressA});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->user_id, id);
  EXPECT_EQ(ActiveSessions(id), 1u);
  // The attempt code is used up.
  EXPECT_FALSE(
      mfa_sign_in.Run({project_, attempt_code, *code, kAddressA}).ok());
}

TEST_F(SignInUseCasesTest, SignUpUpgradesTheAnonymousUserKeepingItsId) {
  const std::string anonymous =
      AddUser("", std::nullopt, /*with_totp=*/false, /*anonymous=*/true);
  PasswordSignUp sign_up(*services_);
  PasswordSignUp::Input input{project_, "Ann@Example.com", kPassword,
                              kAddressA};
  input.anonymous_user_id = anonymous;
  auto result = sign_up.Run(input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->signed_in.user_id, anonymous);
  EXPECT_FALSE(result->verification.has_value());
  storage::UserView user = User(anonymous);
  EXPECT_FALSE(user.user.is_anonymous);
  EXPECT_EQ(user.primary_email, "ann@example.com");
  EXPECT_TRUE(user.has_password);
  auto again = SignInAs("ann@example.com", kPassword);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->user_id, anonymous);

  // The same token once the user is no longer anonymous: no second upgrade.
  input.email = "other@example.com";
  EXPECT_THAT(sign_up.Run(input),
              HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
}

TEST_F(SignInUseCasesTest, SignUpMakesANewUserAndAVerificationCode) {
  PasswordSignUp sign_up(*services_);
  PasswordSignUp::Input input{project_, "ann@example.com", kPassword,
                              kAddressA};
  input.verification_callback_url = "http://localhost:3000/verify";
  auto result = sign_up.Run(input);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->verification.has_value());
  EXPECT_EQ(result->verification->to, "ann@example.com");
  EXPECT_TRUE(codes_
                  ->Verify(project_.project.id, kEmailVerificationPurpose,
                           result->verification->code)
                  .ok());
  EXPECT_EQ(ActiveSessions(result->signed_in.user_id), 1u);

  input.verification_callback_url = "https://evil.example.net/verify";
  input.email = "bob@example.com";
  EXPECT_THAT(sign_up.Run(input),
              HasErrorCode(identity::v1::REDIRECT_URL_NOT_WHITELISTED));
  input.verification_callback_url.reset();
  input.email = "ann@example.com";
  EXPECT_THAT(sign_up.Run(input),
              HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
}

}  // namespace
}  // namespace latchkey::service::core
