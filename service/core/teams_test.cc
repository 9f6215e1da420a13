// core::Teams against SQLite: the client rules, the creator's membership
// and defaults, and the refusals.

#include "service/core/teams.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/team_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TeamsTest : public TeamFixture {
 protected:
  Teams teams() { return Teams(*db_, clock_, *catalog_); }

  absl::StatusOr<storage::TeamRecord> Create(
      const TeamActor& actor, std::optional<std::string> creator) {
    Teams::CreateInput input{actor, project_.config, std::move(creator)};
    input.team.display_name = "New";
    return teams().Create(input);
  }
};

TEST_F(TeamsTest, ClientCreatesOnlyWhenTheProjectAllowsIt) {
  EXPECT_THAT(Create(Client(kBob), kBob),
              HasErrorCode(identity::v1::CLIENT_TEAM_CREATION_NOT_ENABLED));
  project_.config.set_client_team_creation_enabled(true);
  absl::StatusOr<storage::TeamRecord> team = Create(Client(kBob), kBob);
  ASSERT_TRUE(team.ok()) << team.status();
  // The creator is a member with the creator defaults.
  EXPECT_TRUE(IsMember(team->id, kBob));
  EXPECT_THAT(TeamGrants(team->id, kBob), ElementsAre("team_admin"));
}

TEST_F(TeamsTest, ClientCannotCreateForSomeoneElse) {
  project_.config.set_client_team_creation_enabled(true);
  EXPECT_THAT(Create(Client(kBob), kCat),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
}

TEST_F(TeamsTest, ServerWithoutCreatorMakesAnEmptyTeam) {
  absl::StatusOr<storage::TeamRecord> team = Create(Server(), std::nullopt);
  ASSERT_TRUE(team.ok()) << team.status();
  EXPECT_EQ(team->display_name, "New");
  EXPECT_EQ(team->client_metadata_json, "null");
  EXPECT_FALSE(IsMember(team->id, kAnn));
  // An unknown creator rolls the whole creation back.
  EXPECT_THAT(Create(Server(), std::string(kNobody)),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  auto all = teams().List(Server(), std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(TeamsTest, ClientGetNeedsMembershipAndHidesMissingTeams) {
  EXPECT_TRUE(teams().Get(Client(kAnn), kTeam).ok());
  EXPECT_THAT(teams().Get(Client(kBob), kTeam),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(teams().Get(Client(kBob), kMissingTeam),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(teams().Get(Server(), kMissingTeam),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
}

TEST_F(TeamsTest, ListRules) {
  EXPECT_THAT(teams().List(Client(kAnn), std::nullopt),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  EXPECT_THAT(teams().List(Client(kAnn), std::string(kBob)),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  auto mine = teams().List(Client(kAnn), std::string(kAnn));
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].id, kTeam);
  auto bobs = teams().List(Server(), std::string(kBob));
  ASSERT_TRUE(bobs.ok());
  EXPECT_THAT(*bobs, IsEmpty());
  EXPECT_THAT(teams().List(Server(), std::string(kNobody)),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

TEST_F(TeamsTest, UpdateNeedsUpdateTeamForClients) {
  Join(kBob);  // team_member: no $update_team
  Teams::Changes changes;
  changes.display_name = "Renamed";
  changes.profile_image_url = std::optional<std::string>();
  EXPECT_THAT(teams().Update(Client(kBob), kTeam, changes),
              HasErrorCode(identity::v1::TEAM_PERMISSION_REQUIRED));
  EXPECT_THAT(teams().Update(Client(kCat), kTeam, changes),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  auto updated = teams().Update(Client(kAnn), kTeam, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name, "Renamed");
  EXPECT_EQ(teams().Get(Server(), kTeam)->display_name, "Renamed");
  EXPECT_THAT(teams().Update(Server(), kMissingTeam, changes),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
}

TEST_F(TeamsTest, DeleteNeedsDeleteTeamAndTakesMembershipsAlong) {
  Join(kBob);
  EXPECT_THAT(teams().Delete(Client(kBob), kTeam),
              HasErrorCode(identity::v1::TEAM_PERMISSION_REQUIRED));
  EXPECT_TRUE(teams().Delete(Client(kAnn), kTeam).ok());
  EXPECT_FALSE(IsMember(kTeam, kAnn));
  EXPECT_THAT(teams().Delete(Server(), kTeam),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
