// core::TeamMembers against SQLite: adding with defaults, who may remove
// whom, and who sees and changes which profile.

#include "service/core/team_members.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/team_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TeamMembersTest : public TeamFixture {
 protected:
  TeamMembers members() { return TeamMembers(*db_, clock_, *catalog_); }
};

TEST_F(TeamMembersTest, AddGrantsTheMemberDefaultsAndRefusesTwice) {
  ASSERT_TRUE(members().Add(Server(), project_.config, kTeam, kBob).ok());
  EXPECT_THAT(TeamGrants(kTeam, kBob), ElementsAre("team_member"));
  EXPECT_THAT(members().Add(Server(), project_.config, kTeam, kBob),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_ALREADY_EXISTS));
  EXPECT_THAT(members().Add(Server(), project_.config, kMissingTeam, kBob),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
  EXPECT_THAT(members().Add(Server(), project_.config, kTeam, kNobody),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

TEST_F(TeamMembersTest, AnyoneMayLeaveButRemovingOthersNeedsThePermission) {
  Join(kBob);
  Join(kCat);
  EXPECT_THAT(members().Remove(Client(kBob), kTeam, kCat),
              HasErrorCode(identity::v1::TEAM_PERMISSION_REQUIRED));
  EXPECT_TRUE(IsMember(kTeam, kCat));
  EXPECT_TRUE(members().Remove(Client(kBob), kTeam, kBob).ok());
  EXPECT_FALSE(IsMember(kTeam, kBob));
  EXPECT_THAT(TeamGrants(kTeam, kBob), IsEmpty());
  EXPECT_TRUE(members().Remove(Client(kAnn), kTeam, kCat).ok());
  EXPECT_THAT(members().Remove(Server(), kTeam, kCat),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
}

TEST_F(TeamMembersTest, ClientProfilesNeedATeamMembershipAndReadMembers) {
  Join(kBob);
  EXPECT_THAT(members().ListProfiles(Client(kBob), std::nullopt, std::nullopt),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(members().ListProfiles(Client(kCat), std::string(kTeam),
                                     std::string(kCat)),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  // Bob (team_member holds $read_members) sees everyone.
  auto all =
      members().ListProfiles(Client(kBob), std::string(kTeam), std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 2u);
  // The user's own name stands in, and clients never get the user.
  EXPECT_EQ((*all)[0].display_name.value_or(""),
            (*all)[0].user_id == kAnn ? "user 1" : "user 2");
  EXPECT_FALSE((*all)[0].user.has_value());
  // Without $read_members only one's own profile.
  ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   return repos.permissions().RevokeTeamPermission(
                       kProject, kTeam, kBob, "team_member");
                 })
                  .ok());
  EXPECT_THAT(members().GetProfile(Client(kBob), kTeam, kAnn),
              HasErrorCode(identity::v1::TEAM_PERMISSION_REQUIRED));
  auto own = members().GetProfile(Client(kBob), kTeam, kBob);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->user_id, kBob);
}

TEST_F(TeamMembersTest, ServerProfilesCarryTheUserAndCheckWhatTheyName) {
  auto profile = members().GetProfile(Server(), kTeam, kAnn);
  ASSERT_TRUE(profile.ok()) << profile.status();
  ASSERT_TRUE(profile->user.has_value());
  EXPECT_EQ(profile->user->view.user.id, kAnn);
  EXPECT_THAT(members().GetProfile(Server(), kTeam, kBob),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(
      members().ListProfiles(Server(), std::string(kMissingTeam), std::nullopt),
      HasErrorCode(identity::v1::TEAM_NOT_FOUND));
  EXPECT_THAT(
      members().ListProfiles(Server(), std::nullopt, std::string(kNobody)),
      HasErrorCode(identity::v1::USER_NOT_FOUND));
  auto of_ann =
      members().ListProfiles(Server(), std::nullopt, std::string(kAnn));
  ASSERT_TRUE(of_ann.ok());
  EXPECT_EQ(of_ann->size(), 1u);
}

TEST_F(TeamMembersTest, OnlyOneselfChangesOnesProfile) {
  Join(kBob);
  TeamMembers::ProfileChanges changes;
  changes.display_name = std::optional<std::string>("Bobby");
  EXPECT_THAT(members().UpdateProfile(Client(kAnn), kTeam, kBob, changes),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  auto updated = members().UpdateProfile(Client(kBob), kTeam, kBob, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name.value_or(""), "Bobby");
  // Cleared: the user's own name shows again.
  changes.display_name = std::optional<std::string>();
  updated = members().UpdateProfile(Client(kBob), kTeam, kBob, changes);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->display_name.value_or(""), "user 2");
  EXPECT_THAT(members().UpdateProfile(Client(kCat), kTeam, kCat, changes),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
