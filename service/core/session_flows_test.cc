// Sessions without credentials and a user's sessions (anonymous_sign_up.h,
// user_sessions.h, own_account.h), against SQLite.

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/anonymous_sign_up.h"
#include "service/core/own_account.h"
#include "service/core/sign_in_fixture.h"
#include "service/core/user_sessions.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

constexpr char kMissingUser[] = "00000000-0000-4000-8000-0000000000ff";

class SessionFlowsTest : public SignInFixture {
 protected:
  AnonymousSignUp Anonymous() const { return AnonymousSignUp(*services_); }
  UserSessions Sessions() const { return UserSessions(*services_); }

  SignedIn SessionFor(const std::string& user_id,
                      bool is_impersonation = false) {
    auto signed_in =
        Sessions().Create({project_, user_id, is_impersonation, std::nullopt});
    EXPECT_TRUE(signed_in.ok()) << signed_in.status();
    return signed_in.value_or(SignedIn{});
  }
};

TEST_F(SessionFlowsTest, AnonymousSignUpMakesAGuestWithASession) {
  project_.config.set_anonymous_accounts_enabled(true);
  auto signed_in = Anonymous().Run({project_, kAddressA});
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  const storage::UserView user = User(signed_in->user_id);
  EXPECT_TRUE(user.user.is_anonymous);
  EXPECT_EQ(user.primary_email, std::nullopt);
  EXPECT_EQ(ActiveSessions(user.user.id), 1u);
}

TEST_F(SessionFlowsTest, AnonymousSignUpIsSwitchedAndLimitedPerAddress) {
  project_.config.set_anonymous_accounts_enabled(false);
  EXPECT_THAT(Anonymous().Run({project_, kAddressA}),
              HasErrorCode(identity::v1::ANONYMOUS_ACCOUNTS_NOT_ENABLED));

  project_.config.set_anonymous_accounts_enabled(true);
  auto* limit =
      project_.config.mutable_rate_limits()->mutable_anonymous_sign_up_per_ip();
  limit->set_limit(2);
  limit->set_window_seconds(3600);
  EXPECT_TRUE(Anonymous().Run({project_, kAddressA}).ok());
  EXPECT_TRUE(Anonymous().Run({project_, kAddressA}).ok());
  EXPECT_THAT(Anonymous().Run({project_, kAddressA}),
              HasErrorCode(identity::v1::RATE_LIMITED));
  EXPECT_TRUE(Anonymous().Run({project_, kAddressB}).ok());
}

TEST_F(SessionFlowsTest, CreateNamesAMissingUser) {
  EXPECT_THAT(Sessions().Create({project_, kMissingUser, false, std::nullopt}),
              HasErrorCode(identity::v1::USER_ID_DOES_NOT_EXIST));
  EXPECT_THAT(Sessions().Create({project_, kMissingUser, false, std::nullopt}),
              HasErrorDetail("user_id", kMissingUser));
}

TEST_F(SessionFlowsTest, ImpersonationIsListedOnlyWhenAsked) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  SessionFor(ann);
  SessionFor(ann, /*is_impersonation=*/true);
  auto plain = Sessions().List({project_.project.id, ann, false});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->size(), 1u);
  auto all = Sessions().List({project_.project.id, ann, true});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 2u);
  EXPECT_THAT(Sessions().List({project_.project.id, kMissingUser, true}),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

TEST_F(SessionFlowsTest, RevokeOnlyAnotherSessionOfTheSameUser) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  const std::string bob = AddUser("bob@example.com", std::nullopt);
  const SignedIn current = SessionFor(ann);
  const SignedIn other = SessionFor(ann);
  const SignedIn bobs = SessionFor(bob);
  const std::string project_id = project_.project.id;

  EXPECT_THAT(Sessions().Revoke(
                  {project_id, ann, current.session.id, current.session.id}),
              HasErrorCode(identity::v1::CANNOT_DELETE_CURRENT_SESSION));
  // Bob's session looks like no session at all to Ann.
  EXPECT_THAT(
      Sessions().Revoke({project_id, ann, bobs.session.id, current.session.id}),
      HasErrorCode(identity::v1::SESSION_NOT_FOUND));
  EXPECT_EQ(ActiveSessions(bob), 1u);
  EXPECT_THAT(
      Sessions().Revoke({project_id, ann, "no-such-session", std::nullopt}),
      HasErrorCode(identity::v1::SESSION_NOT_FOUND));

  ASSERT_TRUE(
      Sessions()
          .Revoke({project_id, ann, other.session.id, current.session.id})
          .ok());
  EXPECT_EQ(ActiveSessions(ann), 1u);
}

TEST_F(SessionFlowsTest, SignOutEndsTheSessionOnce) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  const SignedIn session = SessionFor(ann);
  ASSERT_TRUE(Sessions().SignOut(project_.project.id, session.session.id).ok());
  EXPECT_EQ(ActiveSessions(ann), 0u);
  EXPECT_THAT(Sessions().SignOut(project_.project.id, session.session.id),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

// A WebSocket token is a new credential: only for a live session of the
// same user, although the access token asking may outlive its session.
TEST_F(SessionFlowsTest, WebSocketTokensOnlyForALiveSessionOfTheUser) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  const std::string bob = AddUser("bob@example.com", std::nullopt);
  const SignedIn session = SessionFor(ann);
  const std::string project_id = project_.project.id;
  auto token = Sessions().IssueWebSocketToken(
      project_id, ann, session.session.id, absl::Seconds(60));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_FALSE(token->token.empty());
  EXPECT_EQ(token->expires_at, clock_.Now() + absl::Seconds(60));
  EXPECT_THAT(Sessions().IssueWebSocketToken(
                  project_id, bob, session.session.id, absl::Seconds(60)),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  ASSERT_TRUE(Sessions().SignOut(project_id, session.session.id).ok());
  EXPECT_THAT(Sessions().IssueWebSocketToken(
                  project_id, ann, session.session.id, absl::Seconds(60)),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

TEST_F(SessionFlowsTest, ClientsDeleteTheirAccountOnlyWhereAllowed) {
  const std::string ann = AddUser("ann@example.com", std::nullopt);
  SessionFor(ann);
  project_.config.set_client_user_deletion_enabled(false);
  EXPECT_THAT(DeleteOwnAccount(*db_, project_, ann, /*as_client=*/true),
              HasErrorCode(identity::v1::CLIENT_USER_DELETION_NOT_ENABLED));
  EXPECT_EQ(ActiveSessions(ann), 1u);
  ASSERT_TRUE(DeleteOwnAccount(*db_, project_, ann, /*as_client=*/false).ok());
  EXPECT_EQ(ActiveSessions(ann), 0u);
  EXPECT_THAT(DeleteOwnAccount(*db_, project_, ann, /*as_client=*/false),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
