#include "service/core/team_membership.h"

#include "gtest/gtest.h"
#include "service/core/default_permissions.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

constexpr char kProject[] = "11111111-0000-4000-8000-000000000001";
constexpr char kTeam[] = "22222222-0000-4000-8000-000000000001";
constexpr char kMissingTeam[] = "22222222-0000-4000-8000-0000000000ff";
constexpr char kAnn[] = "33333333-0000-4000-8000-000000000001";
constexpr char kBob[] = "33333333-0000-4000-8000-000000000002";
constexpr char kNobody[] = "33333333-0000-4000-8000-0000000000ff";

class TeamMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(
        db_->RunInTransaction([](storage::Repositories& repos) -> absl::Status {
             const absl::Time now = absl::Now();
             storage::ProjectRecord project{kProject, "P", {}, now, {}};
             if (auto s = repos.projects().Create(project); !s.ok()) {
               return s;
             }
             if (auto s = EnsureDefaultPermissions(repos, kProject, now);
                 !s.ok()) {
               return s;
             }
             for (const char* id : {kAnn, kBob}) {
               storage::UserRecord user;
               user.id = id;
               user.project_id = kProject;
               user.signed_up_at = user.last_active_at = now;
               if (auto s = repos.users().Create(user); !s.ok()) {
                 return s;
               }
             }
             storage::TeamRecord team;
             team.id = kTeam;
             team.project_id = kProject;
             team.display_name = "T";
             team.created_at = now;
             return repos.teams().Create(team);
           })
            .ok());
  }

  absl::Status Add(const std::string& team, const std::string& user,
                   std::vector<std::string> defaults) {
    google::protobuf::RepeatedPtrField<std::string> ids(defaults.begin(),
                                                        defaults.end());
    return db_->RunInTransaction([&](storage::Repositories& repos) {
      return AddMemberWithDefaults(repos, kProject, team, user, ids,
                                   absl::Now());
    });
  }

  absl::Status InRead(
      const std::function<absl::Status(storage::Repositories&)>& fn) {
    absl::Status result;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     result = fn(repos);
                     return absl::OkStatus();
                   })
                    .ok());
    return result;
  }

  std::vector<std::string> Grants(const std::string& user) {
    std::vector<std::string> ids;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     auto grants = repos.permissions().ListTeamGrants(
                         kProject, kTeam, user);
                     if (!grants.ok()) return grants.status();
                     for (auto& g : *grants) ids.push_back(g.permission_id);
                     return absl::OkStatus();
                   })
                    .ok());
    return ids;
  }

  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(TeamMembershipTest, AddGrantsDefinedDefaultsAndSkipsOthers) {
  ASSERT_TRUE(Add(kTeam, kAnn, {"team_admin", "deleted_role"}).ok());
  EXPECT_EQ(Grants(kAnn), std::vector<std::string>{"team_admin"});
}

TEST_F(TeamMembershipTest, AddErrorsInStacksOrder) {
  EXPECT_THAT(Add(kMissingTeam, kNobody, {}),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(Add(kMissingTeam, kAnn, {}),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));
  ASSERT_TRUE(Add(kTeam, kAnn, {}).ok());
  EXPECT_THAT(Add(kTeam, kAnn, {}),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_ALREADY_EXISTS));
}

TEST_F(TeamMembershipTest, SelectableTeamMustExistAndHaveTheUser) {
  ASSERT_TRUE(Add(kTeam, kAnn, {}).ok());
  auto selectable = [&](const char* team, const char* user) {
    return InRead([&](storage::Repositories& repos) {
      return RequireSelectableTeam(repos, kProject, team, user);
    });
  };
  EXPECT_TRUE(selectable(kTeam, kAnn).ok());
  EXPECT_THAT(selectable(kTeam, kBob),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  absl::Status missing = selectable(kMissingTeam, kAnn);
  EXPECT_THAT(missing, HasErrorCode(identity::v1::TEAM_NOT_FOUND));
  EXPECT_EQ(ReadApiError(missing)->details["team_id"], kMissingTeam);
}

TEST_F(TeamMembershipTest, RequireMemberHidesWhetherTheTeamExists) {
  absl::Status status = InRead([&](storage::Repositories& repos) {
    return RequireMember(repos, kProject, kMissingTeam, kAnn);
  });
  EXPECT_THAT(status, HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  EXPECT_EQ(ReadApiError(status)->details["user_id"], kAnn);
}

}  // namespace
}  // namespace latchkey::service::core
