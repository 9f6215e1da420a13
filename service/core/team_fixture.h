#ifndef SERVICE_CORE_TEAM_FIXTURE_H_
#define SERVICE_CORE_TEAM_FIXTURE_H_

// A test fixture for core's team and permission use cases: one project with
// the default permission definitions, users Ann, Bob and Cat, and team T
// with Ann as a member holding team_admin, on a scratch SQLite database
// (clock faked).

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "service/core/default_permissions.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/core/team_actor.h"
#include "service/core/team_membership.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {

inline constexpr char kProject[] = "11111111-0000-4000-8000-000000000001";
inline constexpr char kTeam[] = "22222222-0000-4000-8000-000000000001";
inline constexpr char kMissingTeam[] = "22222222-0000-4000-8000-0000000000ff";
inline constexpr char kAnn[] = "33333333-0000-4000-8000-000000000001";
inline constexpr char kBob[] = "33333333-0000-4000-8000-000000000002";
inline constexpr char kCat[] = "33333333-0000-4000-8000-000000000003";
inline constexpr char kNobody[] = "33333333-0000-4000-8000-0000000000ff";

class TeamFixture : public ::testing::Test {
 protected:
  // SQLite unless a subclass asks for PostgreSQL (skipped only where
  // LATCHKEY_TEST_SKIP_POSTGRES=1 says so).
  virtual storage::testing::TestBackend backend() const {
    return storage::testing::TestBackend::kSqlite;
  }

  void SetUp() override {
    if (backend() == storage::testing::TestBackend::kPostgres &&
        storage::testing::SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
    }
    auto scratch = storage::testing::ScratchDatabase::Create(backend());
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    scratch_ = *std::move(scratch);
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    catalog_ = std::make_unique<PermissionCatalog>(*db_, clock_);
    project_.project = {kProject, "Proj", {}, clock_.Now(), {}};
    project_.config.add_team_creator_default_permissions("team_admin");
    project_.config.add_team_member_default_permissions("team_member");
    project_.config.set_allow_localhost(true);
    ASSERT_TRUE(
        db_->RunInTransaction(
               [&](storage::Repositories& repos) -> absl::Status {
                 const absl::Time now = clock_.Now();
                 if (auto s = repos.projects().Create(project_.project);
                     !s.ok()) {
                   return s;
                 }
                 if (auto s = EnsureDefaultPermissions(repos, kProject, now);
                     !s.ok()) {
                   return s;
                 }
                 for (const char* id : {kAnn, kBob, kCat}) {
                   storage::UserRecord user;
                   user.id = id;
                   user.project_id = kProject;
                   user.display_name = std::string("user ") + id[35];
                   user.signed_up_at = user.last_active_at = now;
                   if (auto s = repos.users().Create(user); !s.ok()) return s;
                 }
                 storage::TeamRecord team;
                 team.id = kTeam;
                 team.project_id = kProject;
                 team.display_name = "T";
                 team.created_at = now;
                 if (auto s = repos.teams().Create(team); !s.ok()) return s;
                 return AddMemberWithDefaults(
                     repos, kProject, kTeam, kAnn,
                     project_.config.team_creator_default_permissions(), now);
               })
            .ok());
  }

  static TeamActor Server() { return {kProject, false, ""}; }
  static TeamActor Client(const std::string& user_id) {
    return {kProject, true, user_id};
  }

  // Adds `user_id` to T with the member defaults (team_member).
  void Join(const std::string& user_id) {
    ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     return AddMemberWithDefaults(
                         repos, kProject, kTeam, user_id,
                         project_.config.team_member_default_permissions(),
                         clock_.Now());
                   })
                    .ok());
  }

  bool IsMember(const std::string& team_id, const std::string& user_id) {
    return db_
        ->Run([&](storage::Repositories& repos) {
          return repos.teams().GetMember(kProject, team_id, user_id).status();
        })
        .ok();
  }

  // `user_id`'s direct grants in `team_id`.
  std::vector<std::string> TeamGrants(const std::string& team_id,
                                      const std::string& user_id) {
    std::vector<std::string> ids;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto grants = repos.permissions().ListTeamGrants(
                         kProject, team_id, user_id);
                     if (!grants.ok()) return grants.status();
                     for (const auto& g : *grants) {
                       ids.push_back(g.permission_id);
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    return ids;
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PermissionCatalog> catalog_;
  ProjectSnapshot project_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAM_FIXTURE_H_
