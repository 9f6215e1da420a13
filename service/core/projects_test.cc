#include "service/core/projects.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/core/internal_project_fixture.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

using identity::v1::ProjectConfig;
using ::testing::IsEmpty;

constexpr char kOwner[] = "0b5e7c8d-1f2a-4b3c-8d4e-5f6a7b8c9d0e";

class ProjectAdminTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    // The internal project's user who creates projects.
    ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     storage::UserRecord user;
                     user.id = kOwner;
                     user.project_id = std::string(kInternalProjectId);
                     user.signed_up_at = user.last_active_at = clock_.Now();
                     return repos.users().Create(user);
                   })
                    .ok());
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
    admin_ =
        std::make_unique<ProjectAdmin>(*db_, *directory_, clock_, ceiling_);
    auto internal = directory_->Get(kInternalProjectId);
    ASSERT_TRUE(internal.ok()) << internal.status();
    internal_ = *internal;
  }

  NewProjectInput ByOwner(std::string name = "Shop") {
    NewProjectInput input;
    input.caller_project = internal_.get();
    claims_.set_sub(kOwner);
    input.client_user = &claims_;
    input.display_name = std::move(name);
    return input;
  }

  absl::StatusOr<storage::TeamRecord> InternalTeam(const std::string& id) {
    absl::StatusOr<storage::TeamRecord> team;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     team =
                         repos.teams().Get(std::string(kInternalProjectId), id);
                     return absl::OkStatus();
                   })
                    .ok());
    return team;
  }

  std::unique_ptr<ProjectDirectory> directory_;
  Argon2Ceiling ceiling_;
  std::unique_ptr<ProjectAdmin> admin_;
  std::shared_ptr<const ProjectSnapshot> internal_;
  identity::v1::AccessTokenClaims claims_;
};

TEST_F(ProjectAdminTest, ACreatorOwnsTheProjectThroughANewTeam) {
  NewProjectInput input = ByOwner();
  input.description = "the shop";
  input.config = {{"password_min_length", 12}};
  auto created = admin_->Create(input);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->project.display_name, "Shop");
  EXPECT_EQ(created->project.description, "the shop");
  EXPECT_EQ(created->config.password_min_length(), 12);
  ASSERT_TRUE(created->project.owner_team_id.has_value());
  auto team = InternalTeam(*created->project.owner_team_id);
  ASSERT_TRUE(team.ok()) << team.status();
  EXPECT_EQ(team->display_name, "Shop");

  auto owned = admin_->ListOwned(kInternalProjectId, kOwner);
  ASSERT_TRUE(owned.ok()) << owned.status();
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ((*owned)[0].project.id, created->project.id);
  EXPECT_EQ((*owned)[0].config.password_min_length(), 12);
}

TEST_F(ProjectAdminTest, WithoutAUserTheDeploymentsAdministratorsOwnIt) {
  NewProjectInput input;
  input.caller_project = internal_.get();
  input.display_name = "Keyed";
  auto created = admin_->Create(input);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->project.owner_team_id, internal_->project.owner_team_id);
}

TEST_F(ProjectAdminTest, OnlyTheInternalProjectCreatesAndListsProjects) {
  auto created = admin_->Create(ByOwner());
  ASSERT_TRUE(created.ok()) << created.status();
  auto tenant = directory_->Get(created->project.id);
  ASSERT_TRUE(tenant.ok());
  NewProjectInput input = ByOwner();
  input.caller_project = tenant->get();
  EXPECT_THAT(admin_->Create(input),
              HasErrorCode(identity::v1::EXPECTED_INTERNAL_PROJECT));
  EXPECT_THAT(admin_->ListOwned(created->project.id, kOwner),
              HasErrorCode(identity::v1::EXPECTED_INTERNAL_PROJECT));
}

TEST_F(ProjectAdminTest, RefusesBadInputBeforeWritingAnything) {
  EXPECT_THAT(admin_->Create(ByOwner("")),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  NewProjectInput derived = ByOwner();
  derived.config = {{"enabled_oauth_providers", nlohmann::json::array()}};
  EXPECT_THAT(admin_->Create(derived),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  NewProjectInput unknown = ByOwner();
  unknown.config = {{"no_such_key", 1}};
  EXPECT_THAT(admin_->Create(unknown),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  NewProjectInput costly = ByOwner();
  costly.config = {{"argon2.memory_kib", ceiling_.max_memory_kib * 2}};
  EXPECT_THAT(admin_->Create(costly), HasErrorCode(identity::v1::SCHEMA_ERROR));
  auto owned = admin_->ListOwned(kInternalProjectId, kOwner);
  ASSERT_TRUE(owned.ok());
  EXPECT_THAT(*owned, IsEmpty());
}

TEST_F(ProjectAdminTest, ANamedOwnerTeamMustBeTheUsersOwn) {
  // The first project makes a team the owner belongs to; a second project
  // may name it instead of getting a team of its own.
  auto first = admin_->Create(ByOwner("First"));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string team = *first->project.owner_team_id;
  NewProjectInput input = ByOwner("Second");
  input.owner_team_id = team;
  auto second = admin_->Create(input);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->project.owner_team_id, team);
  auto owned = admin_->ListOwned(kInternalProjectId, kOwner);
  ASSERT_TRUE(owned.ok());
  EXPECT_EQ(owned->size(), 2u);

  NewProjectInput unknown = ByOwner("Third");
  unknown.owner_team_id = "7a7a7a7a-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
  EXPECT_THAT(admin_->Create(unknown),
              HasErrorCode(identity::v1::TEAM_NOT_FOUND));

  // A team of the internal project the user is not in.
  const std::string other = "8b8b8b8b-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
  ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   storage::TeamRecord record;
                   record.id = other;
                   record.project_id = std::string(kInternalProjectId);
                   record.display_name = "Others";
                   record.created_at = clock_.Now();
                   return repos.teams().Create(record);
                 })
                  .ok());
  NewProjectInput foreign = ByOwner("Fourth");
  foreign.owner_team_id = other;
  EXPECT_THAT(admin_->Create(foreign),
              HasErrorCode(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND));
  owned = admin_->ListOwned(kInternalProjectId, kOwner);
  ASSERT_TRUE(owned.ok());
  EXPECT_EQ(owned->size(), 2u);
}

TEST_F(ProjectAdminTest, ProfileKeysAreStoredAndChecked) {
  NewProjectInput input = ByOwner();
  auto plain = admin_->Create(input);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->config.profile().onboarding_status(), "completed");
  EXPECT_FALSE(plain->config.profile().is_production_mode());
  EXPECT_EQ(plain->config.email_config().type(), "shared");

  input.config = {{"profile.is_production_mode", true},
                  {"profile.logo_url", "https://example.com/logo.png"},
                  {"profile.onboarding_status", "welcome"}};
  auto created = admin_->Create(input);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->config.profile().is_production_mode());
  EXPECT_EQ(created->config.profile().logo_url(),
            "https://example.com/logo.png");
  EXPECT_EQ(created->config.profile().onboarding_status(), "welcome");
  auto read = admin_->Get(created->project.id);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->config.profile().is_production_mode());

  for (const nlohmann::json& bad :
       {nlohmann::json{{"profile.onboarding_status", "nearly"}},
        nlohmann::json{{"profile.logo_url", "ftp://example.com/a.png"}},
        nlohmann::json{{"profile.logo_url", "data:image/png;base64,!"}},
        nlohmann::json{{"oauth_providers", nlohmann::json::array()}},
        nlohmann::json{{"email_config.type", "standard"}}}) {
    NewProjectInput refused = ByOwner();
    refused.config = bad;
    EXPECT_THAT(admin_->Create(refused),
                HasErrorCode(identity::v1::SCHEMA_ERROR))
        << bad.dump();
  }
  ProjectChanges changes;
  changes.config_patch = {{"profile.onboarding_status", "nearly"}};
  EXPECT_THAT(admin_->Update(created->project.id, changes),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  changes.config_patch = {{"profile.is_production_mode", false}};
  auto updated = admin_->Update(created->project.id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->config.profile().is_production_mode());
  EXPECT_EQ(updated->config.profile().onboarding_status(), "welcome");
}

TEST_F(ProjectAdminTest, AnonymousAndRestrictedUsersMayNotCreateProjects) {
  NewProjectInput input = ByOwner();
  claims_.set_is_anonymous(true);
  EXPECT_THAT(admin_->Create(input),
              HasErrorCode(identity::v1::RESTRICTED_USER_NOT_ALLOWED));
  EXPECT_THAT(admin_->Create(input),
              HasErrorDetail("restricted_reason", R"({"type":"anonymous"})"));
  claims_.set_is_anonymous(false);
  claims_.set_is_restricted(true);
  claims_.mutable_restricted_reason()->set_type("email_not_verified");
  EXPECT_THAT(
      admin_->Create(input),
      HasErrorDetail("restricted_reason", R"({"type":"email_not_verified"})"));
}

TEST_F(ProjectAdminTest, ADeletedCreatorIsUserNotFoundAndNothingIsKept) {
  NewProjectInput input = ByOwner();
  claims_.set_sub("0b5e7c8d-1f2a-4b3c-8d4e-000000000000");
  EXPECT_THAT(admin_->Create(input),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  absl::StatusOr<std::vector<storage::ProjectRecord>> all;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   all = repos.projects().List();
                   return all.status();
                 })
                  .ok());
  EXPECT_EQ(all->size(), 1u);  // The internal project only.
}

TEST_F(ProjectAdminTest, UpdateMergesTheOverrideAndIsSeenAtOnce) {
  auto created = admin_->Create(ByOwner());
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->project.id;
  ASSERT_TRUE(directory_->Get(id).ok());  // Cached now.
  ProjectChanges changes;
  changes.display_name = "Shop 2";
  changes.description = "new";
  changes.config_patch = {{"password_min_length", 10}};
  auto updated = admin_->Update(id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->project.display_name, "Shop 2");
  EXPECT_EQ(updated->config.password_min_length(), 10);

  ProjectChanges more;
  more.description = std::optional<std::string>();
  more.config_patch = {{"sign_up_enabled", false}};
  updated = admin_->Update(id, more);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->project.display_name, "Shop 2");
  EXPECT_FALSE(updated->project.description.has_value());
  // Earlier keys stay: the patch is merged, not a replacement.
  EXPECT_EQ(updated->config.password_min_length(), 10);
  EXPECT_FALSE(updated->config.sign_up_enabled());
}

TEST_F(ProjectAdminTest, AnUpdateThatDoesNotValidateWritesNothing) {
  auto created = admin_->Create(ByOwner());
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->project.id;
  ProjectChanges changes;
  changes.display_name = "Renamed";
  changes.config_patch = {{"no_such_key", true}};
  EXPECT_THAT(admin_->Update(id, changes),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  ProjectChanges empty_name;
  empty_name.display_name = "";
  EXPECT_THAT(admin_->Update(id, empty_name),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  auto now = admin_->Get(id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->project.display_name, "Shop");
}

TEST_F(ProjectAdminTest, ConfigOverrideTakesTheProjectLevelAndAJsonObject) {
  auto created = admin_->Create(ByOwner());
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->project.id;
  EXPECT_THAT(admin_->UpdateConfigOverride(id, "branch", "{}"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(admin_->UpdateConfigOverride(id, "project", "[1]"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(admin_->UpdateConfigOverride(
                  id, "project", R"({"enabled_oauth_providers.0.id":"x"})"),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  auto config = admin_->UpdateConfigOverride(id, "project",
                                             R"({"password_min_length":9})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->password_min_length(), 9);
  auto snapshot = directory_->Get(id);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ((*snapshot)->config.password_min_length(), 9);
}

TEST_F(ProjectAdminTest, ConfigOfListsTheEnabledProviders) {
  ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   for (const char* id : {"github", "google"}) {
                     storage::OAuthProviderRecord provider;
                     provider.project_id = std::string(kInternalProjectId);
                     provider.provider_id = id;
                     provider.type = id;
                     provider.client_id = "c";
                     provider.enabled = std::string(id) == "google";
                     provider.created_at = provider.updated_at = clock_.Now();
                     if (auto s = repos.oauth_providers().Upsert(provider);
                         !s.ok()) {
                       return s;
                     }
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  // Written beside the directory (OAuthProviderSettings would drop the
  // cached snapshot itself): the snapshot read before knows none yet.
  EXPECT_EQ(admin_->ConfigOf(*internal_).enabled_oauth_providers_size(), 0);
  directory_->Invalidate(kInternalProjectId);
  auto snapshot = directory_->Get(kInternalProjectId);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const ProjectConfig config = admin_->ConfigOf(**snapshot);
  ASSERT_EQ(config.enabled_oauth_providers_size(), 1);
  EXPECT_EQ(config.enabled_oauth_providers(0).id(), "google");
  EXPECT_EQ(config.oauth_providers_size(), 2);
}

// GET /projects/current, which every client app calls when it loads, is
// answered from the cached snapshot alone.
TEST_F(ProjectAdminTest, ConfigOfAndGetReadNoDatabase) {
  auto snapshot = directory_->Get(kInternalProjectId);  // Cached now.
  ASSERT_TRUE(snapshot.ok());
  const uint64_t calls_before = db_->stats().calls;
  (void)admin_->ConfigOf(**snapshot);
  EXPECT_TRUE(admin_->Get(kInternalProjectId).ok());
  EXPECT_EQ(db_->stats().calls, calls_before);
}

TEST_F(ProjectAdminTest, DeleteDropsTheOwnerTeamUnlessItOwnsMore) {
  EXPECT_THAT(admin_->Delete(std::string(kInternalProjectId)),
              HasErrorCode(identity::v1::CANNOT_DELETE_INTERNAL_PROJECT));
  auto created = admin_->Create(ByOwner());
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string team = *created->project.owner_team_id;
  ASSERT_TRUE(admin_->Delete(created->project.id).ok());
  EXPECT_THAT(admin_->Get(created->project.id),
              HasErrorCode(identity::v1::PROJECT_NOT_FOUND));
  EXPECT_EQ(InternalTeam(team).status().code(), absl::StatusCode::kNotFound);

  // A project owned by the administrators' team leaves that team alone.
  NewProjectInput keyed;
  keyed.caller_project = internal_.get();
  keyed.display_name = "Keyed";
  auto other = admin_->Create(keyed);
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(admin_->Delete(other->project.id).ok());
  if (internal_->project.owner_team_id.has_value()) {
    EXPECT_TRUE(InternalTeam(*internal_->project.owner_team_id).ok());
  }
  auto owned = admin_->ListOwned(kInternalProjectId, kOwner);
  ASSERT_TRUE(owned.ok());
  EXPECT_THAT(*owned, IsEmpty());
}

}  // namespace
}  // namespace latchkey::service::core
