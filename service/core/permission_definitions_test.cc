// core::PermissionDefinitions against SQLite: ids, uniqueness across
// scopes, contained ids, cycles, system permissions, and that the compiled
// view follows each change.

#include "service/core/permission_definitions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/team_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using storage::PermissionScope;
using ::testing::ElementsAre;

class PermissionDefinitionsTest : public TeamFixture {
 protected:
  PermissionDefinitions definitions() {
    return PermissionDefinitions(*db_, clock_, *catalog_);
  }

  absl::StatusOr<storage::PermissionDefinitionRecord> Create(
      PermissionScope scope, const std::string& id,
      std::vector<std::string> contained = {}) {
    return definitions().Create(kProject, scope,
                                {id, std::nullopt, std::move(contained)});
  }

  bool Allowed(const std::string& user, const std::string& permission) {
    auto answers =
        catalog_->Check(kProject, {{user, std::string(kTeam), permission}});
    return answers.ok() && (*answers)[0].allowed;
  }
};

TEST_F(PermissionDefinitionsTest, NewIds) {
  EXPECT_THAT(Create(PermissionScope::kTeam, "$mine"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(Create(PermissionScope::kTeam, "Upper"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  ASSERT_TRUE(Create(PermissionScope::kProject, "read:all").ok());
  // Unique across both scopes.
  EXPECT_THAT(Create(PermissionScope::kTeam, "read:all"),
              HasErrorCode(identity::v1::PERMISSION_ID_ALREADY_EXISTS));
  EXPECT_THAT(Create(PermissionScope::kTeam, "x", {"x"}),
              HasErrorCode(identity::v1::CONTAINED_PERMISSION_CYCLE));
  // Contained ids must be defined at the same scope.
  EXPECT_THAT(Create(PermissionScope::kTeam, "x", {"read:all"}),
              HasErrorCode(identity::v1::CONTAINED_PERMISSION_NOT_FOUND));
  auto made =
      Create(PermissionScope::kTeam, "x", {"$read_members", "$read_members"});
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_THAT(made->contained_permission_ids, ElementsAre("$read_members"));
}

TEST_F(PermissionDefinitionsTest, UpdateRefusesCyclesAndSystemIds) {
  ASSERT_TRUE(Create(PermissionScope::kTeam, "a").ok());
  ASSERT_TRUE(Create(PermissionScope::kTeam, "b", {"a"}).ok());
  PermissionDefinitions::Changes changes;
  changes.contained_permission_ids = std::vector<std::string>{"b"};
  EXPECT_THAT(
      definitions().Update(kProject, PermissionScope::kTeam, "a", changes),
      HasErrorCode(identity::v1::CONTAINED_PERMISSION_CYCLE));
  EXPECT_THAT(definitions().Update(kProject, PermissionScope::kTeam,
                                   "$read_members", {}),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(
      definitions().Update(kProject, PermissionScope::kTeam, "missing", {}),
      HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
  EXPECT_THAT(
      definitions().Update(kProject, PermissionScope::kProject, "a", {}),
      HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
  PermissionDefinitions::Changes rename;
  rename.id = "b";
  EXPECT_THAT(
      definitions().Update(kProject, PermissionScope::kTeam, "a", rename),
      HasErrorCode(identity::v1::PERMISSION_ID_ALREADY_EXISTS));
  rename.id = "c";
  auto renamed =
      definitions().Update(kProject, PermissionScope::kTeam, "a", rename);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->permission_id, "c");
}

TEST_F(PermissionDefinitionsTest, ChangesReachTheCompiledView) {
  EXPECT_TRUE(Allowed(kAnn, "$delete_team"));
  PermissionDefinitions::Changes changes;
  changes.contained_permission_ids = std::vector<std::string>{};
  ASSERT_TRUE(
      definitions()
          .Update(kProject, PermissionScope::kTeam, "team_admin", changes)
          .ok());
  EXPECT_FALSE(Allowed(kAnn, "$delete_team"));
  ASSERT_TRUE(definitions()
                  .Delete(kProject, PermissionScope::kTeam, "team_admin")
                  .ok());
  EXPECT_FALSE(Allowed(kAnn, "team_admin"));
  EXPECT_THAT(TeamGrants(kTeam, kAnn), ::testing::IsEmpty());
  EXPECT_THAT(
      definitions().Delete(kProject, PermissionScope::kTeam, "team_admin"),
      HasErrorCode(identity::v1::PERMISSION_NOT_FOUND));
  EXPECT_THAT(
      definitions().Delete(kProject, PermissionScope::kTeam, "$delete_team"),
      HasErrorCode(identity::v1::SCHEMA_ERROR));
  auto listed = definitions().List(kProject, PermissionScope::kTeam);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->front().permission_id[0], '$');
}

}  // namespace
}  // namespace latchkey::service::core
