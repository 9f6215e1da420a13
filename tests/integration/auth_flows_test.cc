// AuthService's sign-up, sign-in, email-code, password and MFA flows over
// real gRPC against a whole latchkeyd, with mail delivered to a real SMTP
// server (aiosmtpd) and read back.
#include <optional>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crypto/encoding.h"
#include "crypto/totp.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "service/core/passwords.h"
#include "service/core/users.h"
#include "tests/integration/test_app.h"
#include "tests/integration/token_fixture.h"
#include "tests/testing/smtp_sink.h"

namespace latchkey::testing {
namespace {

using identity::v1::SignInResponse;

constexpr char kCallback[] = "http://localhost:3000/handler/callback";

class AuthFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sink = SmtpSink::Start();
    ASSERT_TRUE(sink.ok()) << sink.status();
    sink_ = std::move(*sink);
    auto app =
        TestApp::Start({.configure = [this](service::ServerConfig& config) {
          config.smtp.url = sink_->url();
          config.smtp.from = "auth@latchkey.test";
          config.smtp.tls = "none";
        }});
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    auth_ = identity::v1::AuthService::NewStub(app_->Channel());
    // Cheap argon2 for tests; the defaults are measured in tools/bench.
    Configure(R"({"argon2.memory_kib": 1024, "argon2.iterations": 1})");
  }

  void Configure(const std::string& override_json) {
    auto& context = app_->app().context();
    ASSERT_TRUE(context.database
                    .Run([&](storage::Repositories& repos) {
                      storage::ConfigOverrideRecord record{
                          "internal", "project", override_json, absl::Now()};
                      return repos.projects().SetConfigOverride(record);
                    })
                    .ok());
    context.projects.Invalidate("internal");
  }

  WireError SignUp(const std::string& email, const std::string& password,
                   SignInResponse* out = nullptr, const std::string& token = "",
                   const std::string& callback = "") {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    if (!token.empty()) context.AddMetadata("x-stack-access-token", token);
    identity::v1::PasswordSignUpRequest request;
    request.set_email(email);
    request.set_password(password);
    if (!callback.empty()) request.set_verification_callback_url(callback);
    SignInResponse response;
    WireError error =
        ErrorOf(auth_->PasswordSignUp(&context, request, &response));
    if (out != nullptr) *out = response;
    return error;
  }

  WireError SignIn(const std::string& email, const std::string& password,
                   SignInResponse* out = nullptr) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::PasswordSignInRequest request;
    request.set_email(email);
    request.set_password(password);
    SignInResponse response;
    WireError error =
        ErrorOf(auth_->PasswordSignIn(&context, request, &response));
    if (out != nullptr) *out = response;
    return error;
  }

  identity::v1::User Me(const std::string& token) {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    context.AddMetadata("x-stack-access-token", token);
    context.AddMetadata("x-stack-allow-anonymous-user", "true");
    identity::v1::User user;
    EXPECT_TRUE(auth_->GetCurrentUser(&context, {}, &user).ok());
    return user;
  }

  // The `code` query parameter of the first link in a delivered mail.
  static std::string CodeFromMail(const SmtpSink::Message& mail) {
    std::smatch match;
    if (std::regex_search(mail.body, match, std::regex("code=([0-9a-z]+)"))) {
      return match[1];
    }
    return "";
  }

  std::unique_ptr<SmtpSink> sink_;
  std::unique_ptr<TestApp> app_;
  std::unique_ptr<identity::v1::AuthService::Stub> auth_;
};

TEST_F(AuthFlowsTest, SignUpThenSignInWithANormalisedEmail) {
  SignInResponse signed_up;
  ASSERT_EQ(SignUp(" Ann@Example.COM ", "correct horse", &signed_up).reason,
            "");
  EXPECT_EQ(signed_up.refresh_token().size(), 45u);
  identity::v1::User me = Me(signed_up.access_token());
  EXPECT_EQ(me.primary_email(), "ann@example.com");
  EXPECT_TRUE(me.has_password());
  EXPECT_FALSE(me.is_anonymous());

  SignInResponse signed_in;
  ASSERT_EQ(SignIn("ANN@example.com", "correct horse", &signed_in).reason, "");
  EXPECT_EQ(signed_in.user_id(), signed_up.user_id());
}

TEST_F(AuthFlowsTest, SignUpRefusals) {
  ASSERT_EQ(SignUp("ann@example.com", "correct horse").reason, "");
  WireError duplicate = SignUp("ANN@example.com", "another one");
  EXPECT_EQ(duplicate.reason, "USER_EMAIL_ALREADY_EXISTS");
  EXPECT_EQ(duplicate.details["email"], "ann@example.com");
  EXPECT_EQ(SignUp("not-an-email", "correct horse").reason, "SCHEMA_ERROR");
  WireError short_password = SignUp("bob@example.com", "short");
  EXPECT_EQ(short_password.reason, "PASSWORD_TOO_SHORT");
  EXPECT_EQ(short_password.details["min_length"], "8");
  // An empty password is too short too, as in Stack (not a schema error).
  EXPECT_EQ(SignUp("bob@example.com", "").reason, "PASSWORD_TOO_SHORT");
  WireError long_password = SignUp("bob@example.com", std::string(71, 'x'));
  EXPECT_EQ(long_password.reason, "PASSWORD_TOO_LONG");
  EXPECT_EQ(long_password.details["maxLength"], "70");
  EXPECT_EQ(SignUp("bob@example.com", "correct horse", nullptr, "",
                   "https://evil.example/cb")
                .reason,
            "REDIRECT_URL_NOT_WHITELISTED");
  Configure(R"({"argon2.memory_kib": 1024, "sign_up_enabled": false})");
  EXPECT_EQ(SignUp("bob@example.com", "correct horse").reason,
            "SIGN_UP_NOT_ENABLED");
  Configure(R"({"argon2.memory_kib": 1024, "credential_enabled": false})");
  EXPECT_EQ(SignUp("bob@example.com", "correct horse").reason,
            "PASSWORD_AUTHENTICATION_NOT_ENABLED");
  EXPECT_EQ(SignIn("ann@example.com", "correct horse").reason,
            "PASSWORD_AUTHENTICATION_NOT_ENABLED");
}

TEST_F(AuthFlowsTest, WrongPasswordAndUnknownEmailAreTheSameError) {
  ASSERT_EQ(SignUp("ann@example.com", "correct horse").reason, "");
  EXPECT_EQ(SignIn("ann@example.com", "wrong horse").reason,
            "EMAIL_PASSWORD_MISMATCH");
  EXPECT_EQ(SignIn("nobody@example.com", "correct horse").reason,
            "EMAIL_PASSWORD_MISMATCH");
}

TEST_F(AuthFlowsTest, AnonymousUserUpgradesKeepingItsId) {
  grpc::ClientContext context;
  TestApp::AsClient(context);
  SignInResponse anonymous;
  ASSERT_TRUE(auth_->AnonymousSignUp(&context, {}, &anonymous).ok());
  SignInResponse upgraded;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &upgraded,
                   anonymous.access_token())
                .reason,
            "");
  EXPECT_EQ(upgraded.user_id(), anonymous.user_id());
  identity::v1::User me = Me(upgraded.access_token());
  EXPECT_FALSE(me.is_anonymous());
  EXPECT_EQ(me.primary_email(), "ann@example.com");
}

TEST_F(AuthFlowsTest, VerificationMailVerifiesTheEmail) {
  SignInResponse signed_up;
  ASSERT_EQ(
      SignUp("ann@example.com", "correct horse", &signed_up, "", kCallback)
          .reason,
      "");
  auto mails = sink_->WaitForMessages(1);
  ASSERT_TRUE(mails.ok()) << mails.status();
  EXPECT_EQ((*mails)[0].headers.at("subject"), "Verify your email at Latchkey");
  const std::string code = CodeFromMail((*mails)[0]);
  ASSERT_EQ(code.size(), 45u);
  EXPECT_NE((*mails)[0].body.find(std::string(kCallback) + "?code=" + code),
            std::string::npos);
  EXPECT_FALSE(Me(signed_up.access_token()).primary_email_verified());
  grpc::ClientContext context;
  TestApp::AsClient(context);
  identity::v1::VerifyEmailRequest request;
  request.set_code(code);
  identity::v1::SuccessResponse ok;
  ASSERT_TRUE(auth_->VerifyEmail(&context, request, &ok).ok());
  EXPECT_TRUE(Me(signed_up.access_token()).primary_email_verified());
  grpc::ClientContext again;
  TestApp::AsClient(again);
  EXPECT_EQ(ErrorOf(auth_->VerifyEmail(&again, request, &ok)).reason,
            "VERIFICATION_CODE_ALREADY_USED");
}

TEST_F(AuthFlowsTest, RequiredVerificationRestrictsTokens) {
  Configure(
      R"({"argon2.memory_kib": 1024, "require_email_verification": true})");
  SignInResponse signed_up;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &signed_up).reason, "");
  EXPECT_EQ(UnverifiedClaims(signed_up.access_token())["aud"],
            "internal:restricted");
  EXPECT_EQ(
      UnverifiedClaims(signed_up.access_token())["restricted_reason"]["type"],
      "email_not_verified");
}

TEST_F(AuthFlowsTest, ImportedBcryptHashIsUpgradedOnSignIn) {
  // Openwall's crypt_blowfish test vector: "U*U".
  const std::string bcrypt =
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
  auto& context = app_->app().context();
  ASSERT_TRUE(context.database
                  .RunInTransaction([&](storage::Repositories& repos) {
                    service::core::NewUser user;
                    user.user.id = "cccccccc-0000-4000-8000-000000000001";
                    user.user.project_id = "internal";
                    user.user.signed_up_at = user.user.last_active_at =
                        absl::Now();
                    user.primary_email = "imported@example.com";
                    user.password = service::core::PasswordHash{
                        bcrypt, service::core::PasswordAlgorithm::kBcrypt};
                    return service::core::CreateUser(repos, user, absl::Now());
                  })
                  .ok());
  EXPECT_EQ(SignIn("imported@example.com", "U*V").reason,
            "EMAIL_PASSWORD_MISMATCH");
  ASSERT_EQ(SignIn("imported@example.com", "U*U").reason, "");
  ASSERT_TRUE(context.database
                  .Run([&](storage::Repositories& repos) {
                    auto credential = repos.credentials().GetPassword(
                        "internal", "cccccccc-0000-4000-8000-000000000001");
                    EXPECT_EQ(credential->algorithm, "argon2id");
                    EXPECT_EQ(credential->password_hash.rfind("$argon2id$", 0),
                              0u);
                    return credential.status();
                  })
                  .ok());
  EXPECT_EQ(SignIn("imported@example.com", "U*U").reason, "")
      << "after re-hash";
}

TEST_F(AuthFlowsTest, SignInAttemptsOnOneAccountAreLimitedNotOthers) {
  Configure(R"({"argon2.memory_kib": 1024,
                "rate_limits.sign_in_per_account": {"limit": 4, "window_seconds": 3600}})");
  ASSERT_EQ(SignUp("ann@example.com", "correct horse").reason, "");
  ASSERT_EQ(SignUp("bob@example.com", "correct horse").reason, "");
  std::string last;
  for (int i = 0; i < 6; ++i) last = SignIn("ann@example.com", "guess").reason;
  EXPECT_EQ(last, "RATE_LIMITED");
  // Even the right password is refused while the account is locked...
  WireError locked = SignIn("ann@example.com", "correct horse");
  EXPECT_EQ(locked.reason, "RATE_LIMITED");
  EXPECT_GT(std::stoi(locked.details["retry_after_seconds"]), 0);
  // ...but another account is untouched.
  EXPECT_EQ(SignIn("bob@example.com", "correct horse").reason, "");
}

TEST_F(AuthFlowsTest, SignUpsFromOneAddressAreLimited) {
  Configure(R"({"argon2.memory_kib": 1024,
                "rate_limits.sign_up_per_ip": {"limit": 2, "window_seconds": 3600},
                "rate_limits.anonymous_sign_up_per_ip": {"limit": 2, "window_seconds": 3600}})");
  EXPECT_EQ(SignUp("a@example.com", "correct horse").reason, "");
  EXPECT_EQ(SignUp("b@example.com", "correct horse").reason, "");
  WireError third = SignUp("c@example.com", "correct horse");
  EXPECT_EQ(third.reason, "RATE_LIMITED");
  EXPECT_GT(std::stoi(third.details["retry_after_seconds"]), 0);
  // Refused before anything was written: the address is still free.
  auto& context = app_->app().context();
  EXPECT_EQ(context.database
                .Run([](storage::Repositories& repos) {
                  return repos.users()
                      .FindByAuthEmail("internal", "c@example.com")
                      .status();
                })
                .code(),
            absl::StatusCode::kNotFound);

  // Anonymous sign-up has a budget of its own.
  auto anonymous = [&] {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    SignInResponse response;
    return ErrorOf(auth_->AnonymousSignUp(&call, {}, &response)).reason;
  };
  EXPECT_EQ(anonymous(), "");
  EXPECT_EQ(anonymous(), "");
  EXPECT_EQ(anonymous(), "RATE_LIMITED");
}

TEST_F(AuthFlowsTest, RefreshesOfOneSessionAreLimitedNotOthers) {
  for (const bool rotation : {false, true}) {
    SCOPED_TRACE(rotation ? "rotating" : "reusable");
    Configure(absl::StrCat(
        R"({"argon2.memory_kib": 1024, "refresh_token_rotation": )",
        rotation ? "true" : "false",
        R"(, "rate_limits.refresh_per_session": {"limit": 3, "window_seconds": 3600}})"));
    const std::string email =
        rotation ? "rot@example.com" : "reuse@example.com";
    SignInResponse hammered, other;
    ASSERT_EQ(SignUp(email, "correct horse", &hammered).reason, "");
    ASSERT_EQ(SignIn(email, "correct horse", &other).reason, "");
    auto tokens = identity::v1::TokenService::NewStub(app_->Channel());
    auto refresh = [&](std::string* refresh_token) {
      grpc::ClientContext call;
      TestApp::AsClient(call);
      identity::v1::OAuthTokenRequest request;
      request.set_grant_type("refresh_token");
      request.set_refresh_token(*refresh_token);
      request.set_client_id("internal");
      request.set_client_secret(TestApp::kPublishableClientKey);
      identity::v1::OAuthTokenResponse response;
      WireError error = ErrorOf(tokens->OAuthToken(&call, request, &response));
      if (!response.refresh_token().empty())
        *refresh_token = response.refresh_token();
      return error;
    };
    std::string token = hammered.refresh_token();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(refresh(&token).reason, "") << i;
    // The fourth refresh in the window is refused, whichever token of the
    // family it uses...
    WireError limited = refresh(&token);
    EXPECT_EQ(limited.reason, "RATE_LIMITED");
    EXPECT_GT(std::stoi(limited.details["retry_after_seconds"]), 0);
    // ...and refusing it spent or revoked nothing: the family's current
    // token is still live and unrotated, and the user's other session was
    // never affected.
    auto session =
        app_->app().context().sessions.FindByToken("internal", token);
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_FALSE(session->rotated_at.has_value());
    std::string other_token = other.refresh_token();
    EXPECT_EQ(refresh(&other_token).reason, "");
  }
}

TEST_F(AuthFlowsTest, PasswordUpdatesOfOneAccountAreLimited) {
  Configure(R"({"argon2.memory_kib": 1024,
                "rate_limits.password_update_per_account": {"limit": 3, "window_seconds": 3600}})");
  SignInResponse ann;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &ann).reason, "");
  auto update = [&](const std::string& old_password) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    context.AddMetadata("x-stack-access-token", ann.access_token());
    identity::v1::UpdatePasswordRequest request;
    request.set_old_password(old_password);
    request.set_new_password("battery staple");
    identity::v1::SuccessResponse ok;
    return ErrorOf(auth_->UpdatePassword(&context, request, &ok)).reason;
  };
  std::string last;
  for (int i = 0; i < 5; ++i) last = update("guess");
  EXPECT_EQ(last, "RATE_LIMITED");
  // Guessing the old password through this route stops, right guess included.
  EXPECT_EQ(update("correct horse"), "RATE_LIMITED");
  EXPECT_EQ(SignIn("ann@example.com", "correct horse").reason, "");
}

TEST_F(AuthFlowsTest, PasswordUpdateKeepsOnlyTheCurrentSession) {
  SignInResponse first, second;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &first).reason, "");
  ASSERT_EQ(SignIn("ann@example.com", "correct horse", &second).reason, "");
  auto update = [&](const std::string& old_password) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    context.AddMetadata("x-stack-access-token", second.access_token());
    identity::v1::UpdatePasswordRequest request;
    request.set_old_password(old_password);
    request.set_new_password("battery staple");
    identity::v1::SuccessResponse ok;
    return ErrorOf(auth_->UpdatePassword(&context, request, &ok)).reason;
  };
  EXPECT_EQ(update("wrong"), "PASSWORD_CONFIRMATION_MISMATCH");
  EXPECT_EQ(update("correct horse"), "");
  auto& context = app_->app().context();
  auto config = (*context.projects.Get("internal"))->config;
  EXPECT_FALSE(
      context.sessions.Refresh("internal", first.refresh_token(), config).ok());
  EXPECT_TRUE(
      context.sessions.Refresh("internal", second.refresh_token(), config)
          .ok());
  EXPECT_EQ(SignIn("ann@example.com", "correct horse").reason,
            "EMAIL_PASSWORD_MISMATCH");
  EXPECT_EQ(SignIn("ann@example.com", "battery staple").reason, "");
}

TEST_F(AuthFlowsTest, ResetByEmailLink) {
  SignInResponse before;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &before).reason, "");
  auto send = [&](const std::string& email) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::SendPasswordResetCodeRequest request;
    request.set_email(email);
    request.set_callback_url(kCallback);
    identity::v1::SendPasswordResetCodeResponse answer;
    WireError error =
        ErrorOf(auth_->SendPasswordResetCode(&context, request, &answer));
    return error.reason.empty() ? answer.success() : error.reason;
  };
  // The same answer (Stack's string) for an unknown and a known address.
  EXPECT_EQ(send("nobody@example.com"),
            "maybe, only if user with e-mail exists");
  EXPECT_EQ(send("ann@example.com"), "maybe, only if user with e-mail exists");
  auto mails = sink_->WaitForMessages(1);
  ASSERT_TRUE(mails.ok()) << mails.status();
  for (const auto& mail : *mails) {
    EXPECT_EQ(mail.headers.at("to"), "ann@example.com")
        << "no mail for an unknown address";
  }
  EXPECT_EQ((*mails)[0].headers.at("subject"),
            "Reset your password at Latchkey");
  const std::string code = CodeFromMail((*mails)[0]);
  auto reset = [&](const std::string& password) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::ResetPasswordRequest request;
    request.set_code(code);
    request.set_password(password);
    identity::v1::SuccessResponse ok;
    return ErrorOf(auth_->ResetPassword(&context, request, &ok)).reason;
  };
  EXPECT_EQ(reset("short"), "PASSWORD_TOO_SHORT");
  EXPECT_EQ(reset("a brand new one"), "")
      << "a refused attempt left the code usable";
  EXPECT_EQ(reset("and again please"), "VERIFICATION_CODE_ALREADY_USED");
  EXPECT_EQ(SignIn("ann@example.com", "a brand new one").reason, "");
  auto& context = app_->app().context();
  EXPECT_FALSE(context.sessions
                   .Refresh("internal", before.refresh_token(),
                            (*context.projects.Get("internal"))->config)
                   .ok());
}

TEST_F(AuthFlowsTest, OtpSignInCreatesThenFindsTheUser) {
  auto send = [&] {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::SendSignInCodeRequest request;
    request.set_email("otp@example.com");
    request.set_callback_url(kCallback);
    identity::v1::SendSignInCodeResponse response;
    WireError error =
        ErrorOf(auth_->SendSignInCode(&context, request, &response));
    return std::make_pair(error.reason, response.nonce());
  };
  EXPECT_EQ(send().first, "OTP_SIGN_IN_NOT_ENABLED");
  Configure(R"({"argon2.memory_kib": 1024, "magic_link_enabled": true})");
  for (int round = 0; round < 2; ++round) {
    auto [reason, nonce] = send();
    ASSERT_EQ(reason, "");
    auto mails = sink_->WaitForMessages(round + 1);
    ASSERT_TRUE(mails.ok()) << mails.status();
    const auto& mail = mails->back();
    std::smatch otp;
    ASSERT_TRUE(std::regex_search(
        mail.headers.at("subject"), otp,
        std::regex("^Sign in to Latchkey: Your code is ([0-9A-Z]{6})$")))
        << mail.headers.at("subject");
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::SignInWithCodeRequest request;
    request.set_code(absl::AsciiStrToLower(std::string(otp[1])) + nonce);
    identity::v1::SignInWithCodeResponse response;
    ASSERT_TRUE(auth_->SignInWithCode(&context, request, &response).ok());
    EXPECT_EQ(response.is_new_user(), round == 0);
    EXPECT_TRUE(Me(response.access_token()).primary_email_verified());
  }
}

// Where Stack's request schema requires the user, a call without one is a
// malformed request naming auth.user, not an authentication error.
TEST_F(AuthFlowsTest, PasswordChangesWithoutAUserAreSchemaErrors) {
  auto expect_schema_error = [](const grpc::Status& status) {
    const WireError error = ErrorOf(status);
    EXPECT_EQ(error.reason, "SCHEMA_ERROR");
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
    auto message = error.details.find("message");
    ASSERT_NE(message, error.details.end());
    EXPECT_NE(message->second.find("auth.user"), std::string::npos);
  };
  identity::v1::SuccessResponse ok;
  {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::UpdatePasswordRequest request;
    request.set_old_password("correct horse");
    request.set_new_password("another horse");
    expect_schema_error(auth_->UpdatePassword(&context, request, &ok));
  }
  {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    identity::v1::SetPasswordRequest request;
    request.set_password("another horse");
    expect_schema_error(auth_->SetPassword(&context, request, &ok));
  }
  {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    identity::v1::SendVerificationCodeRequest request;
    request.set_email("ann@example.com");
    request.set_callback_url(kCallback);
    expect_schema_error(auth_->SendVerificationCode(&context, request, &ok));
  }
}

// Stack's clients send bot-challenge fields with sign-up and sign-in codes;
// they are accepted when well formed and refused naming the field when not.
TEST_F(AuthFlowsTest, BotChallengeFieldsAreAcceptedWhenWellFormed) {
  Configure(R"({"argon2.memory_kib": 1024, "magic_link_enabled": true})");
  auto sign_up = [&](const std::string& email,
                     const std::optional<std::string>& token,
                     const std::optional<std::string>& phase,
                     const std::optional<std::string>& unavailable) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::PasswordSignUpRequest request;
    request.set_email(email);
    request.set_password("correct horse");
    if (token) request.set_bot_challenge_token(*token);
    if (phase) request.set_bot_challenge_phase(*phase);
    if (unavailable) request.set_bot_challenge_unavailable(*unavailable);
    SignInResponse response;
    return ErrorOf(auth_->PasswordSignUp(&context, request, &response));
  };
  EXPECT_EQ(sign_up("a@example.com", "tok", std::nullopt, std::nullopt).reason,
            "");
  EXPECT_EQ(sign_up("b@example.com", "tok", "invisible", std::nullopt).reason,
            "");
  EXPECT_EQ(sign_up("c@example.com", "tok", "visible", std::nullopt).reason,
            "");
  EXPECT_EQ(sign_up("d@example.com", std::nullopt, std::nullopt, "true").reason,
            "");
  const WireError bad_phase =
      sign_up("e@example.com", "tok", "sideways", std::nullopt);
  EXPECT_EQ(bad_phase.reason, "SCHEMA_ERROR");
  EXPECT_NE(bad_phase.details.at("message").find("bot_challenge_phase"),
            std::string::npos);
  EXPECT_EQ(
      sign_up("f@example.com", std::nullopt, "visible", std::nullopt).reason,
      "SCHEMA_ERROR");
  EXPECT_EQ(sign_up("g@example.com", "tok", std::nullopt, "true").reason,
            "SCHEMA_ERROR");
  EXPECT_EQ(
      sign_up("h@example.com", std::nullopt, std::nullopt, "false").reason,
      "SCHEMA_ERROR");
  // Nothing was written for a refused request.
  EXPECT_EQ(SignIn("e@example.com", "correct horse").reason,
            "EMAIL_PASSWORD_MISMATCH");

  grpc::ClientContext context;
  TestApp::AsClient(context);
  identity::v1::SendSignInCodeRequest code;
  code.set_email("otp@example.com");
  code.set_callback_url(kCallback);
  code.set_bot_challenge_token("tok");
  code.set_bot_challenge_phase("visible");
  identity::v1::SendSignInCodeResponse sent;
  EXPECT_TRUE(auth_->SendSignInCode(&context, code, &sent).ok());
}

// Stack's clients (and its tests) read the code from the HTML part, where
// it stands in its own element, and follow the link, which carries the
// whole code; the From header names the project.
TEST_F(AuthFlowsTest, SignInCodeMailIsTextAndHtmlFromTheProject) {
  Configure(R"({"argon2.memory_kib": 1024, "magic_link_enabled": true})");
  grpc::ClientContext context;
  TestApp::AsClient(context);
  identity::v1::SendSignInCodeRequest request;
  request.set_email("otp@example.com");
  request.set_callback_url(kCallback);
  identity::v1::SendSignInCodeResponse response;
  ASSERT_TRUE(auth_->SendSignInCode(&context, request, &response).ok());
  auto mails = sink_->WaitForMessages(1);
  ASSERT_TRUE(mails.ok()) << mails.status();
  const auto& mail = mails->back();
  EXPECT_EQ(mail.headers.at("from"), "\"Latchkey\" <auth@latchkey.test>");
  EXPECT_EQ(mail.headers.at("to"), "otp@example.com");
  ASSERT_EQ(mail.parts.count("text/plain"), 1u);
  ASSERT_EQ(mail.parts.count("text/html"), 1u) << mail.body;
  const std::string& html = mail.parts.at("text/html");
  std::smatch otp;
  ASSERT_TRUE(std::regex_search(html, otp, std::regex(">([0-9A-Z]{6})</p>")))
      << html;
  const std::string code =
      absl::AsciiStrToLower(std::string(otp[1])) + response.nonce();
  EXPECT_NE(html.find(std::string(kCallback) + "?code=" + code),
            std::string::npos)
      << html;
  EXPECT_NE(mail.parts.at("text/plain").find(std::string(otp[1])),
            std::string::npos);
}

TEST_F(AuthFlowsTest, TotpUsersNeedTheSecondFactor) {
  SignInResponse signed_up;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &signed_up).reason, "");
  const std::string seed = "12345678901234567890";
  {
    auto users = identity::v1::UserService::NewStub(app_->Channel());
    grpc::ClientContext context;
    TestApp::AsServer(context);
    identity::v1::UpdateUserRequest request;
    request.set_user_id(signed_up.user_id());
    request.set_totp_secret_base64(crypto::Base64Encode(seed));
    identity::v1::User user;
    ASSERT_TRUE(users->UpdateUser(&context, request, &user).ok());
    EXPECT_TRUE(user.requires_totp_mfa());
  }
  WireError needs = SignIn("ann@example.com", "correct horse");
  ASSERT_EQ(needs.reason, "MULTI_FACTOR_AUTHENTICATION_REQUIRED");
  const std::string attempt = needs.details["attempt_code"];
  ASSERT_EQ(attempt.size(), 45u);
  auto mfa = [&](const std::string& totp) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::MfaSignInRequest request;
    request.set_type("totp");
    request.set_totp(totp);
    request.set_code(attempt);
    SignInResponse response;
    return ErrorOf(auth_->MfaSignIn(&context, request, &response)).reason;
  };
  EXPECT_EQ(mfa("000000"), "INVALID_TOTP_CODE");
  auto totp = crypto::Totp::Create(seed, common::Clock::Real());
  ASSERT_TRUE(totp.ok());
  EXPECT_EQ(mfa(*totp->CodeAt(absl::Now())), "");
  EXPECT_EQ(mfa(*totp->CodeAt(absl::Now())), "VERIFICATION_CODE_ALREADY_USED");
}

// A wrong TOTP does not use up the attempt code: the guesses themselves
// are limited like password guesses (per user and client address).
TEST_F(AuthFlowsTest, TotpGuessesAreLimited) {
  Configure(R"({"argon2.memory_kib": 1024,
                "rate_limits.sign_in_per_account": {"limit": 3, "window_seconds": 3600}})");
  SignInResponse signed_up;
  ASSERT_EQ(SignUp("ann@example.com", "correct horse", &signed_up).reason, "");
  const std::string seed = "12345678901234567890";
  {
    auto users = identity::v1::UserService::NewStub(app_->Channel());
    grpc::ClientContext context;
    TestApp::AsServer(context);
    identity::v1::UpdateUserRequest request;
    request.set_user_id(signed_up.user_id());
    request.set_totp_secret_base64(crypto::Base64Encode(seed));
    identity::v1::User user;
    ASSERT_TRUE(users->UpdateUser(&context, request, &user).ok());
  }
  WireError needs = SignIn("ann@example.com", "correct horse");
  ASSERT_EQ(needs.reason, "MULTI_FACTOR_AUTHENTICATION_REQUIRED");
  const std::string attempt = needs.details["attempt_code"];
  auto mfa = [&](const std::string& totp) {
    grpc::ClientContext context;
    TestApp::AsClient(context);
    identity::v1::MfaSignInRequest request;
    request.set_type("totp");
    request.set_totp(totp);
    request.set_code(attempt);
    SignInResponse response;
    return ErrorOf(auth_->MfaSignIn(&context, request, &response)).reason;
  };
  auto totp = crypto::Totp::Create(seed, common::Clock::Real());
  ASSERT_TRUE(totp.ok());
  // A code no step near now accepts.
  std::string wrong;
  for (char digit = '0'; wrong.empty(); ++digit) {
    const std::string candidate(6, digit);
    bool near = false;
    for (int step = -3; step <= 3; ++step) {
      near |=
          *totp->CodeAt(absl::Now() + absl::Seconds(30 * step)) == candidate;
    }
    if (!near) wrong = candidate;
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(mfa(wrong), "INVALID_TOTP_CODE") << i;
  EXPECT_EQ(mfa(wrong), "RATE_LIMITED");
  EXPECT_EQ(mfa(*totp->CodeAt(absl::Now())), "RATE_LIMITED");
}

TEST_F(AuthFlowsTest, SetPasswordOnlyWithoutOne) {
  grpc::ClientContext context;
  TestApp::AsClient(context);
  SignInResponse anonymous;
  ASSERT_TRUE(auth_->AnonymousSignUp(&context, {}, &anonymous).ok());
  auto set = [&](const std::string& token) {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    call.AddMetadata("x-stack-access-token", token);
    call.AddMetadata("x-stack-allow-anonymous-user", "true");
    identity::v1::SetPasswordRequest request;
    request.set_password("correct horse");
    identity::v1::SuccessResponse ok;
    return ErrorOf(auth_->SetPassword(&call, request, &ok)).reason;
  };
  EXPECT_EQ(set(anonymous.access_token()), "");
  EXPECT_EQ(set(anonymous.access_token()), "PASSWORD_ALREADY_SET");
}

}  // namespace
}  // namespace latchkey::testing
