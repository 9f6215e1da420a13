// core::PermissionGrants against SQLite: the order of the refusals, scope
// mix-ups, idempotent grants, and listing (own only for clients, recursive,
// filtered).

#include "service/core/permission_grants.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/team_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class PermissionGrantsTest : public TeamFixture {
 protected:
  void SetUp() override {
    TeamFixture::SetUp();
    ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     storage::PermissionDefinitionRecord d;
                     d.project_id = kProject;
                     d.scope = storage::PermissionScope::kProject;
                     d.permission_id = "billing";
                     d.created_at = clock_.Now();
                     return repos.permissions().CreateDefinition(d);
                   })
                    .ok());
  }

  PermissionGrants grants() {
    return PermissionGrants(*db_, clock_, *catalog_);
  }
};

TEST_F(PermissionGrantsTest, TeamGrantChecksMembershipThenPermission) {
  EXPECT_THAT(grants().GrantTeam(kProject, kTeam, kBob, "nope"),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_THAT(grants().GrantTeam(kProject, kTeam, kAnn, "nope"),
              HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
  EXPECT_THAT(grants().GrantTeam(kProject, kTeam, kAnn, "billing"),
              HasErrorCode(identity::v1::WRONG_PERMISSION_SCOPE));
  ASSERT_TRUE(grants().GrantTeam(kProject, kTeam, kAnn, "team_member").ok());
  ASSERT_TRUE(grants().GrantTeam(kProject, kTeam, kAnn, "team_member").ok());
  EXPECT_THAT(TeamGrants(kTeam, kAnn),
              ElementsAre("team_admin", "team_member"));
}

TEST_F(PermissionGrantsTest, RevokingWhatIsNotHeldIsNotFound) {
  ASSERT_TRUE(grants().RevokeTeam(kProject, kTeam, kAnn, "team_admin").ok());
  EXPECT_THAT(TeamGrants(kTeam, kAnn), IsEmpty());
  EXPECT_THAT(grants().RevokeTeam(kProject, kTeam, kAnn, "team_admin"),
              HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
  EXPECT_THAT(grants().RevokeProject(kProject, kBob, "billing"),
              HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
}

TEST_F(PermissionGrantsTest, ProjectGrantChecksUserThenPermission) {
  EXPECT_THAT(grants().GrantProject(kProject, kNobody, "billing"),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(grants().GrantProject(kProject, kBob, "team_admin"),
              HasErrorCode(identity::v1::WRONG_PERMISSION_SCOPE));
  ASSERT_TRUE(grants().GrantProject(kProject, kBob, "billing").ok());
  auto held = grants().ListProject(Server(), {});
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].permission_id, "billing");
  EXPECT_EQ((*held)[0].user_id, kBob);
  ASSERT_TRUE(grants().RevokeProject(kProject, kBob, "billing").ok());
}

TEST_F(PermissionGrantsTest, ClientsListOnlyTheirOwn) {
  PermissionGrants::ListQuery all;
  EXPECT_THAT(grants().ListTeam(Client(kAnn), all),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  PermissionGrants::ListQuery bobs;
  bobs.user_id = kBob;
  EXPECT_THAT(grants().ListProject(Client(kAnn), bobs),
              HasErrorCode(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS));
  PermissionGrants::ListQuery own;
  own.user_id = kAnn;
  auto held = grants().ListTeam(Client(kAnn), own);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].permission_id, "team_admin");
  EXPECT_EQ((*held)[0].team_id, kTeam);
}

TEST_F(PermissionGrantsTest, RecursiveListingExpandsThenFilters) {
  PermissionGrants::ListQuery query;
  query.user_id = kAnn;
  query.recursive = true;
  auto held = grants().ListTeam(Server(), query);
  ASSERT_TRUE(held.ok());
  std::vector<std::string> ids;
  for (const auto& one : *held) ids.push_back(one.permission_id);
  EXPECT_THAT(ids, Contains("$delete_team"));
  EXPECT_THAT(ids, Contains("team_admin"));
  query.permission_id = "$read_members";
  held = grants().ListTeam(Server(), query);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].permission_id, "$read_members");
  query.recursive = false;
  held = grants().ListTeam(Server(), query);
  ASSERT_TRUE(held.ok());
  EXPECT_THAT(*held, IsEmpty());
}

}  // namespace
}  // namespace latchkey::service::core
