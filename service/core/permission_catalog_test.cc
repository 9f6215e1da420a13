#include "service/core/permission_catalog.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "service/errors/api_error.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

using storage::PermissionScope;

constexpr char kProject[] = "11111111-0000-4000-8000-000000000001";
constexpr char kTeam[] = "22222222-0000-4000-8000-000000000001";
constexpr char kOtherTeam[] = "22222222-0000-4000-8000-000000000002";
constexpr char kAnn[] = "33333333-0000-4000-8000-000000000001";
constexpr char kBob[] = "33333333-0000-4000-8000-000000000002";
constexpr char kNobody[] = "33333333-0000-4000-8000-0000000000ff";

class PermissionCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(absl::FromUnixSeconds(1'700'000'000));
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(Write([&](storage::Repositories& repos) -> absl::Status {
                  storage::ProjectRecord project{kProject, "P", {}, Now(), {}};
                  if (auto s = repos.projects().Create(project); !s.ok()) {
                    return s;
                  }
                  for (const char* id : {kAnn, kBob}) {
                    storage::UserRecord user;
                    user.id = id;
                    user.project_id = kProject;
                    user.signed_up_at = user.last_active_at = Now();
                    if (auto s = repos.users().Create(user); !s.ok()) return s;
                  }
                  for (const char* id : {kTeam, kOtherTeam}) {
                    storage::TeamRecord team;
                    team.id = id;
                    team.project_id = kProject;
                    team.display_name = "T";
                    team.created_at = Now();
                    if (auto s = repos.teams().Create(team); !s.ok()) return s;
                  }
                  return repos.teams().AddMember(
                      {kProject, kTeam, kAnn, {}, {}, Now()});
                }).ok());
    // read <- write <- admin (team); audit (project).
    ASSERT_TRUE(Define(PermissionScope::kTeam, "read", {}).ok());
    ASSERT_TRUE(Define(PermissionScope::kTeam, "write", {"read"}).ok());
    ASSERT_TRUE(Define(PermissionScope::kTeam, "admin", {"write"}).ok());
    ASSERT_TRUE(Define(PermissionScope::kProject, "audit", {}).ok());
    catalog_ = std::make_unique<PermissionCatalog>(*db_, clock_);
  }

  absl::Time Now() const { return clock_.Now(); }

  absl::Status Write(
      absl::FunctionRef<absl::Status(storage::Repositories&)> fn) {
    return db_->RunInTransaction(fn);
  }

  absl::Status Define(PermissionScope scope, const std::string& id,
                      std::vector<std::string> contained) {
    return Write([&](storage::Repositories& repos) {
      storage::PermissionDefinitionRecord d;
      d.project_id = kProject;
      d.scope = scope;
      d.permission_id = id;
      d.contained_permission_ids = contained;
      d.created_at = Now();
      return repos.permissions().CreateDefinition(d);
    });
  }

  absl::Status GrantTeam(const std::string& user, const std::string& perm) {
    return Write([&](storage::Repositories& repos) {
      return repos.permissions()
          .GrantTeamPermission({kProject, kTeam, user, perm, Now()})
          .status();
    });
  }

  PermissionAnswer CheckOne(PermissionQuery query) {
    auto answers = catalog_->Check(kProject, {std::move(query)});
    EXPECT_TRUE(answers.ok()) << answers.status();
    return answers.ok() ? (*answers)[0] : PermissionAnswer{};
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PermissionCatalog> catalog_;
};

TEST_F(PermissionCatalogTest, AnswersWithTheReason) {
  ASSERT_TRUE(GrantTeam(kAnn, "admin").ok());
  auto answers =
      catalog_->Check(kProject, {
                                    {kAnn, kTeam, "admin"},
                                    {kAnn, kTeam, "read"},
                                    {kAnn, kTeam, "nope"},
                                    {kBob, kTeam, "read"},
                                    {kNobody, kTeam, "read"},
                                    {kAnn, std::string(kNobody), "read"},
                                    {kAnn, std::nullopt, "audit"},
                                    {kAnn, std::nullopt, "read"},
                                    {kNobody, std::nullopt, "audit"},
                                });
  ASSERT_TRUE(answers.ok()) << answers.status();
  const std::vector<std::pair<bool, std::string_view>> expected = {
      {true, kReasonGranted},
      {true, kReasonContained},
      {false, kReasonUnknownPermission},
      {false, kReasonNotAMember},
      {false, kReasonUnknownUser},
      {false, kReasonUnknownTeam},
      {false, kReasonNotGranted},
      {false, kReasonUnknownPermission},
      {false, kReasonUnknownUser},
  };
  ASSERT_EQ(answers->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*answers)[i].allowed, expected[i].first) << i;
    EXPECT_EQ((*answers)[i].reason, expected[i].second) << i;
  }
  EXPECT_EQ((*answers)[1].via_permission_id, "admin");
}

TEST_F(PermissionCatalogTest, MemberWithoutGrantsIsNotGranted) {
  EXPECT_EQ(CheckOne({kAnn, kTeam, "read"}).reason, kReasonNotGranted);
}

TEST_F(PermissionCatalogTest, RevocationIsSeenAtOnceWithoutInvalidation) {
  ASSERT_TRUE(GrantTeam(kAnn, "write").ok());
  EXPECT_TRUE(CheckOne({kAnn, kTeam, "read"}).allowed);
  ASSERT_TRUE(Write([](storage::Repositories& repos) {
                return repos.permissions().RevokeTeamPermission(kProject, kTeam,
                                                                kAnn, "write");
              }).ok());
  EXPECT_FALSE(CheckOne({kAnn, kTeam, "read"}).allowed);
}

TEST_F(PermissionCatalogTest, DefinitionChangesShowAfterInvalidateOrTheTtl) {
  ASSERT_TRUE(GrantTeam(kAnn, "read").ok());
  EXPECT_EQ(CheckOne({kAnn, kTeam, "extra"}).reason, kReasonUnknownPermission);
  // As if another replica defined it and gave "read" the new permission.
  ASSERT_TRUE(Define(PermissionScope::kTeam, "extra", {}).ok());
  ASSERT_TRUE(Write([&](storage::Repositories& repos) {
                storage::PermissionDefinitionRecord d;
                d.project_id = kProject;
                d.scope = PermissionScope::kTeam;
                d.permission_id = "read";
                d.contained_permission_ids = {"extra"};
                return repos.permissions().UpdateDefinition("read", d);
              }).ok());
  // Cached: still the old compilation within the TTL.
  clock_.Advance(absl::Milliseconds(1999));
  EXPECT_EQ(CheckOne({kAnn, kTeam, "extra"}).reason, kReasonUnknownPermission);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(CheckOne({kAnn, kTeam, "extra"}).reason, kReasonContained);

  ASSERT_TRUE(Write([](storage::Repositories& repos) {
                return repos.permissions().DeleteDefinition(
                    kProject, PermissionScope::kTeam, "extra");
              }).ok());
  EXPECT_TRUE(CheckOne({kAnn, kTeam, "extra"}).allowed) << "still cached";
  catalog_->Invalidate(kProject);
  EXPECT_EQ(CheckOne({kAnn, kTeam, "extra"}).reason, kReasonUnknownPermission);
}

TEST_F(PermissionCatalogTest, ConcurrentChecksAndInvalidationsAgree) {
  ASSERT_TRUE(GrantTeam(kAnn, "admin").ok());
  // Readers check while a writer keeps invalidating: every answer must be
  // the one the (unchanging) data gives, and nothing may race (tsan).
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto answers = catalog_->Check(
            kProject, {{kAnn, kTeam, "read"}, {kBob, kTeam, "read"}});
        if (!answers.ok() || !(*answers)[0].allowed ||
            (*answers)[0].reason != kReasonContained ||
            (*answers)[1].reason != kReasonNotAMember) {
          ++wrong;
        }
      }
    });
  }
  std::thread writer([&] {
    while (!stop) {
      catalog_->Invalidate(kProject);
      std::this_thread::yield();
    }
  });
  for (auto& reader : readers) reader.join();
  stop = true;
  writer.join();
  EXPECT_EQ(wrong, 0);
}

TEST_F(PermissionCatalogTest, RequireTeamPermissionErrors) {
  ASSERT_TRUE(GrantTeam(kAnn, "write").ok());
  auto compiled = catalog_->Get(kProject);
  ASSERT_TRUE(compiled.ok());
  absl::Status ok, missing, outsider;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   ok = RequireTeamPermission(repos, **compiled, kProject,
                                              kTeam, kAnn, "read");
                   missing = RequireTeamPermission(repos, **compiled, kProject,
                                                   kTeam, kAnn, "admin");
                   outsider = RequireTeamPermission(repos, **compiled, kProject,
                                                    kTeam, kBob, "read");
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_TRUE(ok.ok()) << ok;
  auto error = ReadApiError(missing);
  ASSERT_TRUE(error.has_value()) << missing;
  EXPECT_EQ(error->code, identity::v1::TEAM_PERMISSION_REQUIRED);
  EXPECT_EQ(error->details["permission_id"], "admin");
  EXPECT_EQ(error->details["user_id"], kAnn);
  error = ReadApiError(outsider);
  ASSERT_TRUE(error.has_value()) << outsider;
  EXPECT_EQ(error->code, identity::v1::TEAM_MEMBERSHIP_NOT_FOUND);
}

}  // namespace
}  // namespace latchkey::service::core
