// AuthService.AnonymousSignUp and AuthService.CreateSession over gRPC
// against the whole latchkeyd in process (TestApp on SQLite, fake clock).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

using identity::v1::AnonymousSignUpRequest;
using identity::v1::CreateSessionRequest;
using identity::v1::CreateSessionResponse;
using identity::v1::OAuthTokenResponse;
using identity::v1::SignInResponse;
using identity::v1::ValidateAccessTokenResponse;
using ::testing::ElementsAre;
using ::testing::Pair;

class SessionMethodsTest : public TokenTest {
 protected:
  // The user's live sessions, read from storage.
  std::vector<storage::SessionRecord> SessionsOf(const std::string& user_id) {
    absl::StatusOr<std::vector<storage::SessionRecord>> sessions;
    absl::Status status =
        context().database.Run([&](storage::Repositories& repos) {
          sessions = repos.sessions().ListActiveForUser("internal", user_id,
                                                        clock_.Now());
          return sessions.status();
        });
    EXPECT_TRUE(status.ok()) << status;
    return sessions.ok() ? *sessions : std::vector<storage::SessionRecord>{};
  }

  int64_t UserCount() {
    absl::StatusOr<int64_t> count;
    absl::Status status =
        context().database.Run([&](storage::Repositories& repos) {
          count = repos.users().Count("internal", /*include_anonymous=*/true);
          return count.status();
        });
    EXPECT_TRUE(status.ok()) << status;
    return count.value_or(-1);
  }
};

// ---- AnonymousSignUp ------------------------------------------------------

TEST_F(SessionMethodsTest, AnonymousSignUpCreatesAnAnonymousUserAndSession) {
  SignInResponse signed_up = SignUpAnonymously();
  EXPECT_EQ(signed_up.user_id().size(), 36u);
  EXPECT_EQ(signed_up.user_id()[14], '4') << "a version 4 UUID";
  EXPECT_EQ(signed_up.refresh_token().size(), 45u);

  absl::StatusOr<storage::UserView> user;
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    user = repos.users().Get("internal", signed_up.user_id());
                    return user.status();
                  })
                  .ok());
  EXPECT_TRUE(user->user.is_anonymous);
  EXPECT_FALSE(user->user.display_name.has_value());
  EXPECT_FALSE(user->primary_email.has_value());
  EXPECT_EQ(user->user.signed_up_at, clock_.Now());

  std::vector<storage::SessionRecord> sessions =
      SessionsOf(signed_up.user_id());
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].is_impersonation);
  EXPECT_EQ(sessions[0].expires_at, clock_.Now() + absl::Hours(24 * 365));

  nlohmann::json claims = UnverifiedClaims(signed_up.access_token());
  EXPECT_EQ(claims["sub"], signed_up.user_id());
  EXPECT_EQ(claims["refresh_token_id"], sessions[0].id);
  EXPECT_EQ(claims["aud"], "internal:anon");
  EXPECT_EQ(claims["is_anonymous"], true);
  EXPECT_EQ(claims["is_restricted"], true);
  EXPECT_EQ(claims["restricted_reason"],
            nlohmann::json({{"type", "anonymous"}}));
  EXPECT_TRUE(claims["name"].is_null());
  EXPECT_TRUE(claims["email"].is_null());
}

TEST_F(SessionMethodsTest, EachAnonymousSignUpIsANewUser) {
  SignInResponse first = SignUpAnonymously();
  SignInResponse second = SignUpAnonymously();
  EXPECT_NE(first.user_id(), second.user_id());
  EXPECT_NE(first.refresh_token(), second.refresh_token());
  EXPECT_EQ(UserCount(), 2);
}

TEST_F(SessionMethodsTest, AnonymousSignUpWhenTurnedOffCreatesNothing) {
  SetConfigOverride(R"({"anonymous_accounts_enabled": false})");
  grpc::ClientContext call;
  TestApp::AsClient(call);
  SignInResponse response;
  WireError error = ErrorOf(
      auth().AnonymousSignUp(&call, AnonymousSignUpRequest(), &response));
  EXPECT_EQ(error.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(error.reason, "ANONYMOUS_ACCOUNTS_NOT_ENABLED");
  EXPECT_EQ(UserCount(), 0);
}

TEST_F(SessionMethodsTest, AnonymousSignUpIsOpenToServerCallersToo) {
  grpc::ClientContext call;
  TestApp::AsServer(call);
  SignInResponse response;
  ASSERT_TRUE(
      auth().AnonymousSignUp(&call, AnonymousSignUpRequest(), &response).ok());
  OAuthTokenResponse refreshed;
  EXPECT_TRUE(OAuthRefresh(response.refresh_token(), &refreshed).ok());
}

TEST_F(SessionMethodsTest, AnonymousSignUpInAnotherProjectBelongsToIt) {
  OtherProject other = CreateProject();
  SignInResponse signed_up = SignUpAnonymously(other.id);
  EXPECT_EQ(UnverifiedClaims(signed_up.access_token())["project_id"], other.id);
  EXPECT_EQ(UserCount(), 0) << "none in the internal project";
}

// ---- CreateSession ----------------------------------------------------------

TEST_F(SessionMethodsTest, CreateSessionSignsInAnExistingUser) {
  const std::string user_id =
      CreateUser({.display_name = "Grace", .email = "grace@example.com"});
  CreateSessionResponse session = SessionFor(user_id);
  ValidateAccessTokenResponse valid;
  ASSERT_TRUE(Validate(session.access_token(), &valid).ok());
  EXPECT_EQ(valid.claims().sub(), user_id);
  EXPECT_EQ(valid.claims().name(), "Grace");

  std::vector<storage::SessionRecord> sessions = SessionsOf(user_id);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(valid.claims().refresh_token_id(), sessions[0].id);
  EXPECT_FALSE(sessions[0].is_impersonation);
  EXPECT_EQ(sessions[0].expires_at, clock_.Now() + absl::Hours(24 * 365));
  OAuthTokenResponse refreshed;
  EXPECT_TRUE(OAuthRefresh(session.refresh_token(), &refreshed).ok());
}

TEST_F(SessionMethodsTest, CreateSessionMarksImpersonation) {
  const std::string user_id = CreateUser({.email = "grace@example.com"});
  CreateSessionRequest request;
  request.set_user_id(user_id);
  request.set_is_impersonation(true);
  CreateSessionResponse response;
  ASSERT_TRUE(CreateSession(request, &response).ok());
  std::vector<storage::SessionRecord> sessions = SessionsOf(user_id);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].is_impersonation);
}

TEST_F(SessionMethodsTest, CreateSessionLastsExpiresInMillis) {
  const std::string user_id = CreateUser({.email = "grace@example.com"});
  CreateSessionRequest request;
  request.set_user_id(user_id);
  request.set_expires_in_millis(5000);
  CreateSessionResponse response;
  ASSERT_TRUE(CreateSession(request, &response).ok());
  clock_.Advance(absl::Milliseconds(4999));
  OAuthTokenResponse refreshed;
  EXPECT_TRUE(OAuthRefresh(response.refresh_token(), &refreshed).ok());
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(ErrorOf(OAuthRefresh(response.refresh_token(), &refreshed)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(SessionMethodsTest, CreateSessionLifetimeHasContractLimits) {
  const std::string user_id = CreateUser({});
  CreateSessionRequest request;
  request.set_user_id(user_id);
  request.set_expires_in_millis(999);
  CreateSessionResponse response;
  EXPECT_EQ(ErrorOf(CreateSession(request, &response)).reason, "SCHEMA_ERROR");
  request.set_expires_in_millis(31'708'800'001);
  EXPECT_EQ(ErrorOf(CreateSession(request, &response)).reason, "SCHEMA_ERROR");
  EXPECT_TRUE(SessionsOf(user_id).empty());
  // Stack's maximum, 367 days, is accepted.
  request.set_expires_in_millis(31'708'800'000);
  EXPECT_TRUE(CreateSession(request, &response).ok());
  EXPECT_EQ(SessionsOf(user_id).size(), 1u);
}

TEST_F(SessionMethodsTest, CreateSessionForAnUnknownUserIsRefused) {
  CreateSessionRequest request;
  request.set_user_id("00000000-0000-4000-8000-000000000000");
  CreateSessionResponse response;
  WireError error = ErrorOf(CreateSession(request, &response));
  EXPECT_EQ(error.code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(error.reason, "USER_ID_DOES_NOT_EXIST");
  EXPECT_THAT(
      error.details,
      ElementsAre(Pair("user_id", "00000000-0000-4000-8000-000000000000")));
  request.set_user_id("not-a-uuid");
  EXPECT_EQ(ErrorOf(CreateSession(request, &response)).reason,
            "USER_ID_DOES_NOT_EXIST");
}

TEST_F(SessionMethodsTest, CreateSessionForAnotherProjectsUserIsRefused) {
  OtherProject other = CreateProject();
  SignInResponse theirs = SignUpAnonymously(other.id);
  CreateSessionRequest request;
  request.set_user_id(theirs.user_id());
  CreateSessionResponse response;
  EXPECT_EQ(ErrorOf(CreateSession(request, &response)).reason,
            "USER_ID_DOES_NOT_EXIST");
}

TEST_F(SessionMethodsTest, CreateSessionIsForServersAndAdmins) {
  const std::string user_id = CreateUser({});
  CreateSessionRequest request;
  request.set_user_id(user_id);
  CreateSessionResponse response;
  {
    grpc::ClientContext call;
    TestApp::AsClient(call);
    EXPECT_EQ(ErrorOf(auth().CreateSession(&call, request, &response)).reason,
              "INSUFFICIENT_ACCESS_TYPE");
  }
  grpc::ClientContext call;
  TestApp::AsAdmin(call);
  EXPECT_TRUE(auth().CreateSession(&call, request, &response).ok());
}

TEST_F(SessionMethodsTest, SessionOfAnUnverifiedUserIsRestrictedWhereRequired) {
  SetConfigOverride(R"({"require_email_verification": true})");
  const std::string user_id =
      CreateUser({.email = "new@example.com", .email_verified = false});
  CreateSessionResponse session = SessionFor(user_id);
  nlohmann::json claims = UnverifiedClaims(session.access_token());
  EXPECT_EQ(claims["aud"], "internal:restricted");
  EXPECT_EQ(claims["restricted_reason"],
            nlohmann::json({{"type", "email_not_verified"}}));
}

}  // namespace
}  // namespace latchkey::testing
