// The code-by-email flows (code_sign_in.h, email_verification.h,
// password_reset.h) and a user's own password changes
// (password_changes.h), against SQLite.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "crypto/totp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/code_sign_in.h"
#include "service/core/email_verification.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/password_changes.h"
#include "service/core/password_reset.h"
#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::Not;
using ::testing::Optional;

constexpr char kCallback[] = "http://localhost:3000/handler";

class EmailFlowsTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    project_.config.set_magic_link_enabled(true);
  }

  CodeSignIn Codes() const { return CodeSignIn(*services_); }
  EmailVerification Verification() const {
    return EmailVerification(*services_);
  }
  PasswordReset Reset() const { return PasswordReset(*services_); }
  PasswordChanges Changes() const { return PasswordChanges(*services_); }

  // A session for `user_id`, through a password sign-in.
  SignedIn SessionOf(const std::string& email, const std::string& password) {
    auto signed_in = SignInAs(email, password);
    EXPECT_TRUE(signed_in.ok()) << signed_in.status();
    return signed_in.value_or(SignedIn{});
  }
};

TEST_F(EmailFlowsTest, CodeSignInSignsUpAnUnknownAddressWithItVerified) {
  auto mail = Codes().SendCode({project_, "New@Example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(mail->to, "new@example.com");
  // The OTP and the nonce make up the whole code.
  EXPECT_EQ(absl::AsciiStrToLower(mail->otp) + mail->nonce, mail->code);

  auto signed_in = Codes().SignIn({project_, mail->code, std::nullopt});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_TRUE(signed_in->is_new_user);
  const storage::UserView user = User(signed_in->signed_in.user_id);
  EXPECT_EQ(user.primary_email, "new@example.com");
  EXPECT_TRUE(user.primary_email_verified);
  EXPECT_TRUE(user.user.otp_auth_enabled);
  EXPECT_EQ(ActiveSessions(user.user.id), 1u);

  // The code is single use.
  EXPECT_THAT(Codes().SignIn({project_, mail->code, std::nullopt}),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
}

TEST_F(EmailFlowsTest, CodeSignInProvesAnExistingAccountsAddress) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  ASSERT_FALSE(User(ann).primary_email_verified);
  auto mail = Codes().SendCode({project_, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  // lower(OTP) + nonce works like the link's code.
  auto signed_in = Codes().SignIn(
      {project_, absl::AsciiStrToLower(mail->otp) + mail->nonce, std::nullopt});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_FALSE(signed_in->is_new_user);
  EXPECT_EQ(signed_in->signed_in.user_id, ann);
  EXPECT_TRUE(User(ann).primary_email_verified);
}

TEST_F(EmailFlowsTest, CodeSignInUpgradesTheAnonymousCaller) {
  const std::string anonymous = AddUser("", std::nullopt, false, true);
  auto mail = Codes().SendCode({project_, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  auto signed_in = Codes().SignIn({project_, mail->code, anonymous});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_TRUE(signed_in->is_new_user);
  EXPECT_EQ(signed_in->signed_in.user_id, anonymous);
  const storage::UserView user = User(anonymous);
  EXPECT_FALSE(user.user.is_anonymous);
  EXPECT_EQ(user.primary_email, "ann@example.com");
}

// A code stands in for the password, not for the second factor.
TEST_F(EmailFlowsTest, CodeSignInOfATotpUserAsksForTheSecondFactor) {
  const std::string ann =
      AddUser("ann@example.com", std::nullopt, /*with_totp=*/true);
  auto mail = Codes().SendCode({project_, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  auto refused = Codes().SignIn({project_, mail->code, std::nullopt});
  ASSERT_THAT(refused,
              HasErrorCode(identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED));
  EXPECT_EQ(ActiveSessions(ann), 0u);
  // The code is used up; the attempt code leads on.
  EXPECT_THAT(Codes().SignIn({project_, mail->code, std::nullopt}),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
  const std::string attempt_code =
      ReadApiError(refused.status())->details["attempt_code"];
  auto totp = crypto::Totp::Create(kTotpSeed, clock_);
  ASSERT_TRUE(totp.ok()) << totp.status();
  auto code = totp->CodeAt(clock_.Now());
  ASSERT_TRUE(code.ok()) << code.status();
  MfaSignIn mfa_sign_in(*services_, kServerSecret, std::nullopt);
  auto signed_in = mfa_sign_in.Run({project_, attempt_code, *code, kAddressA});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->user_id, ann);
}

// Whoever signed up with a password and someone else's address cannot be
// signed into by the address's owner through a code, until it is verified.
TEST_F(EmailFlowsTest, NoCodeForAnUnverifiedAddressOfAPasswordAccount) {
  const std::string ann = AddUser("ann@example.com", Argon2Of(kPassword));
  auto refused = Codes().SendCode({project_, "ann@example.com", kCallback});
  EXPECT_THAT(refused, HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
  EXPECT_THAT(refused,
              HasErrorDetail("would_work_if_email_was_verified", "true"));
  EXPECT_THAT(refused, HasErrorDetail("email", "ann@example.com"));
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   UserChanges changes;
                   changes.primary_email_verified = true;
                   return UpdateUser(repos, project_.project.id, ann, changes,
                                     clock_.Now());
                 })
                  .ok());
  EXPECT_TRUE(Codes().SendCode({project_, "ann@example.com", kCallback}).ok());
}

TEST_F(EmailFlowsTest, CodeSignInRefusals) {
  project_.config.set_magic_link_enabled(false);
  EXPECT_THAT(Codes().SendCode({project_, "ann@example.com", kCallback}),
              HasErrorCode(identity::v1::OTP_SIGN_IN_NOT_ENABLED));
  project_.config.set_magic_link_enabled(true);
  EXPECT_THAT(
      Codes().SendCode({project_, "ann@example.com", "https://evil.test/x"}),
      HasErrorCode(identity::v1::REDIRECT_URL_NOT_WHITELISTED));
  EXPECT_THAT(Codes().SendCode({project_, "not an address", kCallback}),
              HasErrorCode(identity::v1::SCHEMA_ERROR));

  // Sign-up off: an unknown address gets no code; a code sent while it
  // was on does not sign up after it is turned off.
  auto mail = Codes().SendCode({project_, "late@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  project_.config.set_sign_up_enabled(false);
  EXPECT_THAT(Codes().SendCode({project_, "new@example.com", kCallback}),
              HasErrorCode(identity::v1::SIGN_UP_NOT_ENABLED));
  EXPECT_THAT(Codes().SignIn({project_, mail->code, std::nullopt}),
              HasErrorCode(identity::v1::SIGN_UP_NOT_ENABLED));
  EXPECT_THAT(Codes().SignIn({project_, "wrong", std::nullopt}),
              HasErrorCode(identity::v1::VERIFICATION_CODE_NOT_FOUND));
}

TEST_F(EmailFlowsTest, EveryKindOfMailSpendsOneBudgetPerAddress) {
  project_.config.mutable_rate_limits()->mutable_email_per_address()->set_limit(
      2);
  project_.config.mutable_rate_limits()
      ->mutable_email_per_address()
      ->set_window_seconds(3600);
  AddUser("ann@example.com", std::nullopt);
  ASSERT_TRUE(Codes().SendCode({project_, "ann@example.com", kCallback}).ok());
  ASSERT_TRUE(Reset().SendCode({project_, "ann@example.com", kCallback}).ok());
  EXPECT_THAT(Reset().SendCode({project_, "Ann@Example.com", kCallback}),
              HasErrorCode(identity::v1::RATE_LIMITED));
  EXPECT_TRUE(Reset().SendCode({project_, "bob@example.com", kCallback}).ok());
}

TEST_F(EmailFlowsTest, VerificationProvesOnlyThePrimaryAddress) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  EXPECT_THAT(
      Verification().SendCode({project_, ann, "other@example.com", kCallback}),
      HasErrorCode(identity::v1::EMAIL_IS_NOT_PRIMARY_EMAIL));
  auto mail =
      Verification().SendCode({project_, ann, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  ASSERT_TRUE(Verification().Verify(project_, mail->code).ok());
  EXPECT_TRUE(User(ann).primary_email_verified);
  EXPECT_THAT(
      Verification().SendCode({project_, ann, "ann@example.com", kCallback}),
      HasErrorCode(identity::v1::EMAIL_ALREADY_VERIFIED));
}

TEST_F(EmailFlowsTest, AnOldCodeVerifiesTheDemotedAddressNotTheNewOne) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  auto mail =
      Verification().SendCode({project_, ann, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   UserChanges changes;
                   changes.primary_email =
                       std::optional<std::string>("ann2@example.com");
                   return UpdateUser(repos, project_.project.id, ann, changes,
                                     clock_.Now());
                 })
                  .ok());
  // The old address stays the user's (demoted, as Stack keeps it), so the
  // code verifies that address; the new primary one stays unverified.
  ASSERT_TRUE(Verification().Verify(project_, mail->code).ok());
  EXPECT_FALSE(User(ann).primary_email_verified);
  std::vector<storage::ContactChannelRecord> channels;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                   auto listed = repos.contact_channels().ListForUser(
                       project_.project.id, ann);
                   if (!listed.ok()) return listed.status();
                   channels = *std::move(listed);
                   return absl::OkStatus();
                 })
                  .ok());
  ASSERT_EQ(channels.size(), 2u);
  for (const storage::ContactChannelRecord& channel : channels) {
    EXPECT_EQ(channel.is_verified, channel.value == "ann@example.com")
        << channel.value;
    EXPECT_EQ(channel.is_primary, channel.value == "ann2@example.com")
        << channel.value;
  }
  // Once the user removes the old address, its code is void.
  auto again =
      Verification().SendCode({project_, ann, "ann2@example.com", kCallback});
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                   for (const auto& channel : channels) {
                     if (channel.value != "ann2@example.com") continue;
                     absl::Status status = repos.contact_channels().Delete(
                         project_.project.id, channel.id);
                     if (!status.ok()) return status;
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_THAT(Verification().Verify(project_, again->code),
              HasErrorCode(identity::v1::UNKNOWN_CONTACT_CHANNEL));
}

TEST_F(EmailFlowsTest, ResetCodeForAnUnknownAddressIsSilent) {
  auto mail = Reset().SendCode({project_, "nobody@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ(*mail, std::nullopt);
}

TEST_F(EmailFlowsTest, ResetSetsThePasswordAndEndsEverySession) {
  const std::string ann = AddUser("ann@example.com", Argon2Of(kPassword));
  SessionOf("ann@example.com", kPassword);
  SessionOf("ann@example.com", kPassword);
  ASSERT_EQ(ActiveSessions(ann), 2u);
  auto mail = Reset().SendCode({project_, "ann@example.com", kCallback});
  ASSERT_TRUE(mail.ok()) << mail.status();
  ASSERT_TRUE(mail->has_value());

  EXPECT_THAT(Reset().Reset({project_, (*mail)->code, "short"}),
              HasErrorCode(identity::v1::PASSWORD_TOO_SHORT));
  EXPECT_EQ(ActiveSessions(ann), 2u);

  ASSERT_TRUE(
      Reset().Reset({project_, (*mail)->code, "a new long password"}).ok());
  EXPECT_EQ(ActiveSessions(ann), 0u);
  EXPECT_THAT(SignInAs("ann@example.com", kPassword),
              HasErrorCode(identity::v1::EMAIL_PASSWORD_MISMATCH));
  // Past the pacing a failed sign-in sets.
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(SignInAs("ann@example.com", "a new long password").ok());
  EXPECT_THAT(Reset().Reset({project_, (*mail)->code, "another password!"}),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
}

TEST_F(EmailFlowsTest, UpdateKeepsOnlyTheCallersSession) {
  const std::string ann = AddUser("ann@example.com", Argon2Of(kPassword));
  const SignedIn mine = SessionOf("ann@example.com", kPassword);
  SessionOf("ann@example.com", kPassword);
  ASSERT_EQ(ActiveSessions(ann), 2u);

  EXPECT_THAT(Changes().Update({project_, ann, mine.session.id, "wrong guess",
                                "a new long password"}),
              HasErrorCode(identity::v1::PASSWORD_CONFIRMATION_MISMATCH));
  EXPECT_EQ(ActiveSessions(ann), 2u);

  ASSERT_TRUE(Changes()
                  .Update({project_, ann, mine.session.id, kPassword,
                           "a new long password"})
                  .ok());
  EXPECT_EQ(ActiveSessions(ann), 1u);
  EXPECT_TRUE(SignInAs("ann@example.com", "a new long password").ok());
}

TEST_F(EmailFlowsTest, UpdateIsLimitedPerAccount) {
  project_.config.mutable_rate_limits()
      ->mutable_password_update_per_account()
      ->set_limit(1);
  project_.config.mutable_rate_limits()
      ->mutable_password_update_per_account()
      ->set_window_seconds(3600);
  const std::string ann = AddUser("ann@example.com", Argon2Of(kPassword));
  EXPECT_THAT(
      Changes().Update({project_, ann, "", "guess one", "a new long password"}),
      HasErrorCode(identity::v1::PASSWORD_CONFIRMATION_MISMATCH));
  // Even the right password waits once the account's budget is spent.
  EXPECT_THAT(
      Changes().Update({project_, ann, "", kPassword, "a new long password"}),
      HasErrorCode(identity::v1::RATE_LIMITED));
}

TEST_F(EmailFlowsTest, SetOnlyForAUserWithoutAPassword) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  EXPECT_THAT(Changes().Update({project_, ann, "", "x", "a new long password"}),
              HasErrorCode(identity::v1::USER_DOES_NOT_HAVE_PASSWORD));
  ASSERT_TRUE(Changes().Set({project_, ann, "a first password"}).ok());
  EXPECT_THAT(Changes().Set({project_, ann, "a second password"}),
              HasErrorCode(identity::v1::PASSWORD_ALREADY_SET));
  EXPECT_TRUE(SignInAs("ann@example.com", "a first password").ok());
}

}  // namespace
}  // namespace latchkey::service::core
