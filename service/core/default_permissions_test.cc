#include "service/core/default_permissions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

using storage::PermissionScope;
using ::testing::ElementsAre;

constexpr char kProject[] = "11111111-0000-4000-8000-000000000001";

class DefaultPermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(db_->RunInTransaction([](storage::Repositories& repos) {
                     storage::ProjectRecord project;
                     project.id = kProject;
                     project.display_name = "P";
                     project.created_at = absl::Now();
                     return repos.projects().Create(project);
                   })
                    .ok());
  }

  std::vector<std::string> TeamIds() {
    std::vector<std::string> ids;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     auto list = repos.permissions().ListDefinitions(
                         kProject, PermissionScope::kTeam);
                     if (!list.ok()) return list.status();
                     for (auto& d : *list) ids.push_back(d.permission_id);
                     return absl::OkStatus();
                   })
                    .ok());
    return ids;
  }

  storage::PermissionDefinitionRecord Get(const std::string& id) {
    storage::PermissionDefinitionRecord out;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     auto d = repos.permissions().GetDefinition(
                         kProject, PermissionScope::kTeam, id);
                     if (d.ok()) out = *d;
                     return d.status();
                   })
                    .ok());
    return out;
  }

  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(DefaultPermissionsTest, SeedsSystemPermissionsAndTheTwoRoles) {
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  EXPECT_THAT(TeamIds(),
              ElementsAre("$delete_team", "$invite_members", "$manage_api_keys",
                          "$read_members", "$remove_members", "$update_team",
                          "team_admin", "team_member"));
  EXPECT_THAT(Get("team_admin").contained_permission_ids,
              ElementsAre("$delete_team", "$invite_members", "$manage_api_keys",
                          "$read_members", "$remove_members", "$update_team"));
  EXPECT_THAT(Get("team_member").contained_permission_ids,
              ElementsAre("$invite_members", "$read_members"));
  EXPECT_EQ(Get("$update_team").description, "Update the team information");
}

TEST_F(DefaultPermissionsTest, IsIdempotentAndNeverResurrectsARole) {
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  ASSERT_TRUE(db_->Run([](storage::Repositories& repos) {
                   return repos.permissions().DeleteDefinition(
                       kProject, PermissionScope::kTeam, "team_member");
                 })
                  .ok());
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  EXPECT_EQ(TeamIds().size(), 7u) << "team_member stays deleted";
}

TEST_F(DefaultPermissionsTest, AddsASystemPermissionThatIsMissing) {
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  ASSERT_TRUE(db_->Run([](storage::Repositories& repos) {
                   return repos.permissions().DeleteDefinition(
                       kProject, PermissionScope::kTeam, "$manage_api_keys");
                 })
                  .ok());
  ASSERT_TRUE(EnsureDefaultPermissions(*db_, kProject, absl::Now()).ok());
  EXPECT_EQ(TeamIds().size(), 8u);
}

TEST(SystemPermissionIdTest, DollarPrefixOnly) {
  EXPECT_TRUE(IsSystemPermissionId("$update_team"));
  EXPECT_FALSE(IsSystemPermissionId("update_team"));
  EXPECT_FALSE(IsSystemPermissionId(""));
}

}  // namespace
}  // namespace latchkey::service::core
