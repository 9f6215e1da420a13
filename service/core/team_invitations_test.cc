// core::TeamInvitations against SQLite: the code's life (unknown, expired,
// used), who may send, list and revoke, and the accepting transaction.

#include "service/core/team_invitations.h"

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/rate_limiter.h"
#include "service/core/team_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

constexpr char kCallback[] = "http://localhost:3000/join#top";

class TeamInvitationsTest : public TeamFixture {
 protected:
  void SetUp() override {
    TeamFixture::SetUp();
    limiter_ = std::make_unique<RateLimiter>(*db_, clock_);
    identity::v1::RateLimit* limit =
        project_.config.mutable_rate_limits()->mutable_email_per_address();
    limit->set_limit(100);
    limit->set_window_seconds(60);
  }

  TeamInvitations invitations() {
    return TeamInvitations(*db_, clock_, *limiter_, *catalog_);
  }

  absl::StatusOr<TeamInvitations::Sent> Send(
      const TeamActor& actor, const std::string& email = "Dan@Example.com",
      const std::string& team = kTeam) {
    return invitations().Send({actor, project_, team, email, kCallback});
  }

  // The code out of a sent invitation's link.
  static std::string CodeOf(const TeamInvitations::Sent& sent) {
    const size_t at = sent.link.find("code=") + 5;
    return sent.link.substr(at, sent.link.find('#') - at);
  }

  absl::StatusOr<std::string> Accept(const std::string& user_id,
                                     const std::string& code) {
    TeamActor actor = Client(user_id);
    return invitations().Accept({actor, project_.config, code});
  }

  std::unique_ptr<RateLimiter> limiter_;
};

TEST(InvitationLinkTest, KeepsTheQueryAndFragment) {
  EXPECT_EQ(InvitationLink("https://a.example/j", "c"),
            "https://a.example/j?code=c");
  EXPECT_EQ(InvitationLink("https://a.example/j?x=1#f", "c"),
            "https://a.example/j?x=1&code=c#f");
}

TEST_F(TeamInvitationsTest, SendNormalisesAndLinks) {
  auto sent = Send(Client(kAnn));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->email, "dan@example.com");
  EXPECT_EQ(sent->team_display_name, "T");
  EXPECT_THAT(sent->link, StartsWith("http://localhost:3000/join?code="));
  EXPECT_EQ(CodeOf(*sent).size(), 45u);
  auto pending = invitations().List(Server(), kTeam);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->team_display_name, "T");
  ASSERT_EQ(pending->invitations.size(), 1u);
  EXPECT_EQ(pending->invitations[0].id, sent->invitation_id);
  EXPECT_EQ(pending->invitations[0].invited_by_user_id.value_or(""), kAnn);
}

TEST_F(TeamInvitationsTest, SendRefusals) {
  Join(kBob);
  EXPECT_THAT(Send(Client(kAnn), "not an email"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(invitations().Send({Server(), project_, kTeam, "d@example.com",
                                  "https://evil.example/"}),
              HasErrorCode(identity::v1::REDIRECT_URL_NOT_WHITELISTED));
  // team_member holds $invite_members, a non-member nothing.
  EXPECT_TRUE(Send(Client(kBob)).ok());
  EXPECT_THAT(Send(Client(kCat)),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(Send(Server(), "d@example.com", kMissingTeam),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
}

TEST_F(TeamInvitationsTest, SendIsLimitedPerRecipient) {
  project_.config.mutable_rate_limits()->mutable_email_per_address()->set_limit(
      1);
  // A refused call does not count.
  EXPECT_THAT(Send(Client(kCat)),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_TRUE(Send(Server()).ok());
  EXPECT_THAT(Send(Server()), HasErrorCode(identity::v1::RATE_LIMITED));
}

TEST_F(TeamInvitationsTest, AcceptJoinsOnceWithTheMemberDefaults) {
  auto sent = Send(Server());
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string code = CodeOf(*sent);
  ASSERT_TRUE(invitations().Check(kProject, absl::AsciiStrToUpper(code)).ok());
  auto details = invitations().GetDetails(kProject, code);
  ASSERT_TRUE(details.ok());
  EXPECT_EQ(details->team_display_name, "T");
  auto joined = Accept(kBob, code);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, kTeam);
  EXPECT_TRUE(IsMember(kTeam, kBob));
  EXPECT_THAT(TeamGrants(kTeam, kBob), ElementsAre("team_member"));
  EXPECT_THAT(Accept(kCat, code),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
  EXPECT_THAT(invitations().Check(kProject, code),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
  EXPECT_THAT(Accept(kCat, "nonsense"),
              HasErrorCode(identity::v1::VERIFICATION_CODE_NOT_FOUND));
}

TEST_F(TeamInvitationsTest, AcceptByAMemberUsesTheCode) {
  auto sent = Send(Server());
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_TRUE(Accept(kAnn, CodeOf(*sent)).ok());
  EXPECT_THAT(Accept(kBob, CodeOf(*sent)),
              HasErrorCode(identity::v1::VERIFICATION_CODE_ALREADY_USED));
}

TEST_F(TeamInvitationsTest, ExpiredAndRestricted) {
  auto sent = Send(Server());
  ASSERT_TRUE(sent.ok()) << sent.status();
  TeamActor bob = Client(kBob);
  TeamInvitations::AcceptInput restricted{bob, project_.config, CodeOf(*sent),
                                          std::string("email_not_verified")};
  absl::StatusOr<std::string> refused = invitations().Accept(restricted);
  EXPECT_THAT(refused, HasErrorCode(identity::v1::RESTRICTED_USER_NOT_ALLOWED));
  EXPECT_THAT(refused, HasErrorDetail("restricted_reason",
                                      "{\"type\":\"email_not_verified\"}"));
  EXPECT_FALSE(IsMember(kTeam, kBob));
  clock_.Advance(TeamInvitations::kLifetime);
  EXPECT_THAT(Accept(kBob, CodeOf(*sent)),
              HasErrorCode(identity::v1::VERIFICATION_CODE_EXPIRED));
}

TEST_F(TeamInvitationsTest, ListAndRevokeNeedTheirPermissions) {
  Join(kBob);
  auto sent = Send(Server());
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_TRUE(invitations().List(Client(kBob), kTeam).ok());
  EXPECT_THAT(invitations().List(Client(kCat), kTeam),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(invitations().List(Server(), kMissingTeam),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
  EXPECT_THAT(invitations().Revoke(Client(kBob), kTeam, sent->invitation_id),
              HasErrorCode(identity::v1::TEAM_PERMISSION_REQUIRED));
  EXPECT_TRUE(
      invitations().Revoke(Client(kAnn), kTeam, sent->invitation_id).ok());
  EXPECT_THAT(invitations().Revoke(Server(), kTeam, sent->invitation_id),
              HasErrorCode(identity::v1::TEAM_INVITATION_NOT_FOUND));
  // A revoked code is unknown.
  EXPECT_THAT(invitations().Check(kProject, CodeOf(*sent)),
              HasErrorCode(identity::v1::VERIFICATION_CODE_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
