#ifndef SERVICE_CORE_PROJECTS_H_
#define SERVICE_CORE_PROJECTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/token.pb.h"
#include "nlohmann/json.hpp"
#include "service/core/oauth_provider_settings.h"
#include "service/core/project_config.h"
#include "service/core/project_directory.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A project as its administrators see it: the row and the effective
// configuration, whose enabled_oauth_providers follows the OAuth provider
// settings (a config key cannot set it).
struct ProjectView {
  storage::ProjectRecord project;
  identity::v1::ProjectConfig config;
};

// What CreateProject asks for.
struct NewProjectInput {
  // The calling project: only the internal project creates projects
  // (EXPECTED_INTERNAL_PROJECT otherwise).
  const ProjectSnapshot* caller_project = nullptr;
  // The signed-in internal-project user acting with client access, if any:
  // they own the new project through a new team of the internal project.
  // Anonymous and restricted users are refused (RESTRICTED_USER_NOT_ALLOWED).
  const identity::v1::AccessTokenClaims* client_user = nullptr;
  // Otherwise the internal-project user behind an admin access token, who
  // owns it the same way. With neither (the super-secret admin key) the
  // project is owned by the internal project's own owner team.
  std::optional<std::string> admin_user_id;
  std::string display_name;
  std::optional<std::string> description;
  // The initial project-level override: a JSON object of dotted keys.
  nlohmann::json config = nlohmann::json::object();
  // An existing team of the internal project to own the project instead of
  // a new one; the acting user must be a member (TEAM_NOT_FOUND,
  // TEAM_MEMBERSHIP_NOT_FOUND otherwise).
  std::optional<std::string> owner_team_id;
  // OAuth providers to set up once the project exists (needs the
  // OAuthProviderSettings given to ProjectAdmin).
  std::vector<OAuthProviderInput> oauth_providers;
};

// What UpdateProject changes; unset members stay as they are.
struct ProjectChanges {
  std::optional<std::string> display_name;
  // Set to nullopt: the description is removed.
  std::optional<std::optional<std::string>> description;
  // Dotted keys merged into the project-level override; empty: none.
  nlohmann::json config_patch = nlohmann::json::object();
  // OAuth providers to create or replace (others stay).
  std::vector<OAuthProviderInput> oauth_providers;
};

// The ProjectService flows on projects and their configuration, free of any
// wire format. Each write drops the ProjectDirectory's cached copy, so the
// change shows on this process at once. Thread-safe; every member must
// outlive it.
class ProjectAdmin {
 public:
  // `providers` (optional) sets up the OAuth providers a create or update
  // body names; without it such a body is refused.
  ProjectAdmin(storage::Database& database, ProjectDirectory& directory,
               const common::Clock& clock, const Argon2Ceiling& ceiling,
               const OAuthProviderSettings* providers = nullptr)
      : database_(database),
        directory_(directory),
        clock_(clock),
        ceiling_(ceiling),
        providers_(providers) {}

  // Creates the project with its system team permissions, its initial
  // override and (for a user) the owner team with that user as a member
  // holding the internal project's team-creator permissions, in one
  // transaction. SCHEMA_ERROR for an empty name, a bad or derived config
  // key, or argon2 costs above the deployment's ceiling; USER_NOT_FOUND
  // when the acting user has been deleted since their token was issued.
  absl::StatusOr<ProjectView> Create(const NewProjectInput& input) const;

  // The projects whose owner team `user_id` belongs to, for a call from
  // `caller_project_id` (EXPECTED_INTERNAL_PROJECT unless internal). A
  // project deleted while listing is left out.
  absl::StatusOr<std::vector<ProjectView>> ListOwned(
      absl::string_view caller_project_id, const std::string& user_id) const;

  // The project as the ProjectDirectory has it (a change made through this
  // process at once, one made through another replica within the
  // directory's cache time). PROJECT_NOT_FOUND when it is gone.
  absl::StatusOr<ProjectView> Get(absl::string_view project_id) const;

  // `snapshot`'s configuration with enabled_oauth_providers (and the admin
  // view's oauth_providers) filled in from the snapshot's provider
  // settings. No database read.
  identity::v1::ProjectConfig ConfigOf(const ProjectSnapshot& snapshot) const;

  // Applies `changes` in one transaction and returns the project as of
  // then. SCHEMA_ERROR (nothing written) for an empty name or a config
  // patch that does not validate.
  absl::StatusOr<ProjectView> Update(const std::string& project_id,
                                     const ProjectChanges& changes) const;

  // Deletes the project and, unless another project is owned by it too,
  // the owner team made for it. CANNOT_DELETE_INTERNAL_PROJECT for the
  // internal project.
  absl::Status Delete(const std::string& project_id) const;

  // Merges `override_text` (a JSON object of dotted keys) into the
  // override at `level` (only "project" exists) and returns the effective
  // configuration. SCHEMA_ERROR for another level, text that is not such
  // an object, or a result that does not validate.
  absl::StatusOr<identity::v1::ProjectConfig> UpdateConfigOverride(
      const std::string& project_id, absl::string_view level,
      absl::string_view override_text) const;

 private:
  storage::Database& database_;
  ProjectDirectory& directory_;
  const common::Clock& clock_;
  const Argon2Ceiling& ceiling_;
  const OAuthProviderSettings* const providers_;

  // Stores `providers` for `project_id` (after the project's own
  // transaction: the settings run their own).
  absl::Status SetUpProviders(
      const std::string& project_id,
      const std::vector<OAuthProviderInput>& providers) const;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PROJECTS_H_
