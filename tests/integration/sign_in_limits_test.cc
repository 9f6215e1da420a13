// Password sign-in's abuse limits against a whole latchkeyd on a fake
// clock: pacing timed from the previous attempt, and failures from one
// client address that never lock the owner out at another. 127.0.0.1 is a
// trusted proxy, so each call names its client in X-Forwarded-For.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "service/pipeline/trusted_proxies.h"
#include "tests/integration/test_app.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

// The start of a 15-minute window (windows are aligned to the epoch).
const absl::Time kWindow = absl::FromUnixSeconds(900 * 2'000'000);
constexpr char kOwner[] = "owner@example.com";
constexpr char kPassword[] = "correct horse battery";

class SignInLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = TestApp::Start(
        {.clock = &clock_, .configure = [](service::ServerConfig& config) {
           config.trusted_proxies =
               *service::TrustedProxies::Parse("127.0.0.1, ::1");
         }});
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    auth_ = identity::v1::AuthService::NewStub(app_->Channel());
    auto& context = app_->app().context();
    // Cheap argon2 for tests; the default limits (10 per 15 minutes).
    ASSERT_TRUE(
        context.database
            .Run([&](storage::Repositories& repos) {
              storage::ConfigOverrideRecord record{
                  "internal", "project",
                  R"({"argon2.memory_kib": 1024, "argon2.iterations": 1})",
                  clock_.Now()};
              return repos.projects().SetConfigOverride(record);
            })
            .ok());
    context.projects.Invalidate("internal");
    ASSERT_EQ(SignUp(kOwner, "203.0.113.50"), "");
  }

  std::string SignUp(const std::string& email, const std::string& from) {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    call.AddMetadata("x-forwarded-for", from);
    identity::v1::PasswordSignUpRequest request;
    request.set_email(email);
    request.set_password(kPassword);
    identity::v1::SignInResponse response;
    return ErrorOf(auth_->PasswordSignUp(&call, request, &response)).reason;
  }

  WireError SignIn(const std::string& password, const std::string& from) {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    call.AddMetadata("x-forwarded-for", from);
    identity::v1::PasswordSignInRequest request;
    request.set_email(kOwner);
    request.set_password(password);
    identity::v1::SignInResponse response;
    WireError error = ErrorOf(auth_->PasswordSignIn(&call, request, &response));
    if (error.code == grpc::StatusCode::OK) {
      EXPECT_FALSE(response.access_token().empty());
    }
    return error;
  }

  common::FakeClock clock_{kWindow};
  std::unique_ptr<TestApp> app_;
  std::unique_ptr<identity::v1::AuthService::Stub> auth_;
};

TEST_F(SignInLimitsTest, OneAddressFailuresDoNotLockOutTheOwnerElsewhere) {
  const std::string attacker = "198.51.100.7";
  // Ten wrong guesses, each waiting out the pacing: the whole budget.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(SignIn("guess", attacker).reason, "EMAIL_PASSWORD_MISMATCH") << i;
    clock_.Advance(absl::Seconds(61));
  }
  WireError refused = SignIn(kPassword, attacker);
  EXPECT_EQ(refused.reason, "RATE_LIMITED");
  EXPECT_GT(std::stoi(refused.details["retry_after_seconds"]), 0);
  // The owner, elsewhere, signs in at once.
  EXPECT_EQ(SignIn(kPassword, "203.0.113.50").reason, "");
}

TEST_F(SignInLimitsTest, PacingCountsFromTheLastAttemptInAnOldWindow) {
  const std::string from = "198.51.100.7";
  clock_.Set(kWindow + absl::Minutes(2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(SignIn("guess", from).reason, "EMAIL_PASSWORD_MISMATCH") << i;
  }
  // The 4th must come 1 s after the 3rd, however old the window is.
  WireError paced = SignIn("guess", from);
  EXPECT_EQ(paced.reason, "RATE_LIMITED");
  EXPECT_EQ(paced.details["retry_after_seconds"], "1");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(SignIn("guess", from).reason, "EMAIL_PASSWORD_MISMATCH");
  // The 5th: 2 s after the 4th.
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(SignIn(kPassword, from).reason, "RATE_LIMITED");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(SignIn(kPassword, from).reason, "");
}

TEST_F(SignInLimitsTest, GuessesSpreadOverAddressesMeetTheAccountCeiling) {
  // 100 sign-ins (10 x the per-address limit) from 50 addresses, two each.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(SignIn("guess", absl::StrCat("10.0.", i / 2, ".1")).reason,
              "EMAIL_PASSWORD_MISMATCH")
        << i;
  }
  EXPECT_EQ(SignIn(kPassword, "10.1.0.1").reason, "RATE_LIMITED");
  // Until the window ends, not longer.
  clock_.Set(kWindow + absl::Minutes(15));
  EXPECT_EQ(SignIn(kPassword, "10.1.0.1").reason, "");
}

}  // namespace
}  // namespace latchkey::testing
