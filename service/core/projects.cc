#include "service/core/projects.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/random.h"
#include "crypto/strict_json.h"
#include "service/core/default_permissions.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using identity::v1::ProjectConfig;

constexpr char kProjectLevel[] = "project";

absl::Status RequireInternalProject(absl::string_view project_id) {
  if (project_id != kInternalProjectId) {
    return ApiError(identity::v1::EXPECTED_INTERNAL_PROJECT);
  }
  return absl::OkStatus();
}

// enabled_oauth_providers, oauth_providers and email_config are filled in
// on reads from the OAuth provider settings and the deployment's mailer; a
// key that set them would silently disagree with those.
absl::Status RejectDerivedKeys(const nlohmann::json& patch) {
  for (const auto& [key, value] : patch.items()) {
    for (const char* derived :
         {"enabled_oauth_providers", "oauth_providers", "email_config"}) {
      if (key == derived || absl::StartsWith(key, absl::StrCat(derived, "."))) {
        return SchemaError(absl::StrCat(
            "Invalid configuration: \"", derived,
            "\" is read only as a config key (OAuth providers: PUT "
            "/internal/oauth-providers/{id}, or oauth_providers in a project "
            "body)"));
      }
    }
  }
  return absl::OkStatus();
}

// The effective configuration of stored `levels` with the project level
// replaced by `project_level`. SCHEMA_ERROR when the result is invalid.
absl::StatusOr<ProjectConfig> EffectiveWith(
    const std::vector<storage::ConfigOverrideRecord>& levels,
    const nlohmann::json& project_level) {
  std::vector<std::string> texts;
  bool replaced = false;
  for (const storage::ConfigOverrideRecord& level : levels) {
    if (level.level == kProjectLevel) {
      texts.push_back(project_level.dump());
      replaced = true;
    } else {
      texts.push_back(level.override_json);
    }
  }
  if (!replaced) texts.push_back(project_level.dump());
  return EffectiveProjectConfig(texts);
}

// Merges `patch` into the project-level override of `project_id`, checks
// the effective result (and the deployment's argon2 ceiling) and stores it.
// SCHEMA_ERROR (nothing written) for an unknown key or a bad value; the
// repositories' errors otherwise.
absl::StatusOr<ProjectConfig> MergeProjectOverride(
    storage::Repositories& repos, const std::string& project_id,
    const nlohmann::json& patch, absl::Time now, const Argon2Ceiling& ceiling) {
  LATCHKEY_RETURN_IF_ERROR(RejectDerivedKeys(patch));
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::ConfigOverrideRecord> levels,
                            repos.projects().ListConfigOverrides(project_id));
  nlohmann::json existing = nlohmann::json::object();
  for (const storage::ConfigOverrideRecord& level : levels) {
    if (level.level != kProjectLevel) continue;
    absl::StatusOr<nlohmann::json> parsed =
        crypto::ParseStrictJsonObject(level.override_json);
    if (!parsed.ok()) return absl::InternalError("stored override is not JSON");
    existing = *std::move(parsed);
  }
  const nlohmann::json merged = MergeOverrides(existing, patch);
  LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config,
                            EffectiveWith(levels, merged));
  // A value stored above the ceiling may stay; a stored level that no
  // longer validates holds nothing that may.
  absl::StatusOr<ProjectConfig> current = EffectiveWith(levels, existing);
  LATCHKEY_RETURN_IF_ERROR(CheckArgon2Ceiling(
      current.ok() ? *current : DefaultProjectConfig(), config, ceiling));
  LATCHKEY_RETURN_IF_ERROR(repos.projects().SetConfigOverride(
      {project_id, kProjectLevel, merged.dump(), now}));
  return config;
}

// `config` with enabled_oauth_providers and oauth_providers from the
// provider settings.
ProjectConfig ConfigWithProviders(
    ProjectConfig config,
    const std::vector<storage::OAuthProviderRecord>& providers) {
  config.clear_enabled_oauth_providers();
  config.clear_oauth_providers();
  for (const storage::OAuthProviderRecord& provider : providers) {
    if (provider.enabled) {
      config.add_enabled_oauth_providers()->set_id(provider.provider_id);
    }
    // Stack's admin read lists every configured provider; the secret is
    // sealed and stays "" (docs/stack-wire-format.md).
    identity::v1::StackOAuthProvider* stack = config.add_oauth_providers();
    stack->set_id(provider.provider_id);
    stack->set_type(provider.is_shared ? "shared" : "standard");
    stack->set_provider_config_id(provider.provider_id);
    stack->set_client_id(provider.client_id);
    if (provider.facebook_config_id.has_value()) {
      stack->set_facebook_config_id(*provider.facebook_config_id);
    }
    if (provider.microsoft_tenant_id.has_value()) {
      stack->set_microsoft_tenant_id(*provider.microsoft_tenant_id);
    }
  }
  config.mutable_email_config()->set_type("shared");
  return config;
}

// The same, with the settings read in `repos`.
absl::StatusOr<ProjectConfig> WithProviders(storage::Repositories& repos,
                                            const std::string& project_id,
                                            ProjectConfig config) {
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::OAuthProviderRecord> providers,
                            repos.oauth_providers().List(project_id));
  return ConfigWithProviders(std::move(config), providers);
}

absl::StatusOr<ProjectView> ViewOf(storage::Repositories& repos,
                                   const storage::ProjectRecord& record,
                                   ProjectConfig config) {
  ProjectView out{record, {}};
  LATCHKEY_ASSIGN_OR_RETURN(out.config,
                            WithProviders(repos, record.id, std::move(config)));
  return out;
}

// A signed-in user acting for themselves: anonymous and restricted users
// cannot administer anything.
absl::Status RequireFullUser(const identity::v1::AccessTokenClaims& user) {
  if (user.is_restricted() || user.is_anonymous()) {
    const std::string type = user.restricted_reason().type().empty()
                                 ? "anonymous"
                                 : user.restricted_reason().type();
    return ApiError(
        identity::v1::RESTRICTED_USER_NOT_ALLOWED,
        {{"restricted_reason", nlohmann::json({{"type", type}}).dump()}});
  }
  return absl::OkStatus();
}

// A named owner team must be an internal-project team the acting user (if
// any) belongs to.
absl::Status RequireOwnerTeam(storage::Repositories& repos,
                              const std::string& team_id,
                              const std::optional<std::string>& user_id) {
  absl::StatusOr<storage::TeamRecord> team =
      repos.teams().Get(common::Std(kInternalProjectId), team_id);
  if (team.status().code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::TEAM_NOT_FOUND, {{"team_id", team_id}});
  }
  LATCHKEY_RETURN_IF_ERROR(team.status());
  if (!user_id.has_value()) return absl::OkStatus();
  absl::Status member =
      repos.teams()
          .GetMember(common::Std(kInternalProjectId), team_id, *user_id)
          .status();
  if (member.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND,
                    {{"team_id", team_id}, {"user_id", *user_id}});
  }
  return member;
}

absl::Status CheckDisplayName(const std::string& name) {
  if (name.empty()) return SchemaError("body.display_name must not be empty");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProjectView> ProjectAdmin::Create(
    const NewProjectInput& input) const {
  const ProjectSnapshot& caller_project = *input.caller_project;
  LATCHKEY_RETURN_IF_ERROR(RequireInternalProject(caller_project.project.id));
  LATCHKEY_RETURN_IF_ERROR(CheckDisplayName(input.display_name));
  LATCHKEY_RETURN_IF_ERROR(RejectDerivedKeys(input.config));
  if (!input.oauth_providers.empty() && providers_ == nullptr) {
    return absl::InternalError("no OAuth provider settings to set up with");
  }
  const nlohmann::json override_json =
      MergeOverrides(nlohmann::json::object(), input.config);
  LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config,
                            EffectiveProjectConfig({override_json.dump()}));
  LATCHKEY_RETURN_IF_ERROR(
      CheckArgon2Ceiling(DefaultProjectConfig(), config, ceiling_));

  // Who will own it: the acting internal-project user through a new team,
  // or (admin key, no user) the deployment's administrators.
  std::optional<std::string> owner_user_id;
  if (input.client_user != nullptr) {
    LATCHKEY_RETURN_IF_ERROR(RequireFullUser(*input.client_user));
    owner_user_id = input.client_user->sub();
  } else if (input.admin_user_id.has_value()) {
    owner_user_id = *input.admin_user_id;
  }

  const absl::Time now = clock_.Now();
  storage::ProjectRecord project;
  LATCHKEY_ASSIGN_OR_RETURN(project.id, crypto::RandomUuidV4());
  project.display_name = input.display_name;
  project.description = input.description;
  project.created_at = now;
  std::string team_id;
  // A new owner team only when the user names none.
  const bool new_team =
      owner_user_id.has_value() && !input.owner_team_id.has_value();
  if (input.owner_team_id.has_value()) {
    project.owner_team_id = *input.owner_team_id;
  } else if (new_team) {
    LATCHKEY_ASSIGN_OR_RETURN(team_id, crypto::RandomUuidV4());
    project.owner_team_id = team_id;
  } else {
    project.owner_team_id = caller_project.project.owner_team_id;
  }

  absl::StatusOr<ProjectView> out;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        if (input.owner_team_id.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(
              RequireOwnerTeam(repos, *input.owner_team_id, owner_user_id));
        }
        if (new_team) {
          storage::TeamRecord team;
          team.id = team_id;
          team.project_id = std::string(kInternalProjectId);
          team.display_name = input.display_name;
          team.created_at = now;
          LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
          // The owner is the team's creator: team_admin and whatever else
          // the internal project grants creators, as in Stack. USER_NOT_FOUND
          // when the token is valid but its user has been deleted since.
          LATCHKEY_RETURN_IF_ERROR(AddMemberWithDefaults(
              repos, team.project_id, team_id, *owner_user_id,
              caller_project.config.team_creator_default_permissions(), now));
        }
        LATCHKEY_RETURN_IF_ERROR(repos.projects().Create(project));
        // System team permissions, team_admin and team_member.
        LATCHKEY_RETURN_IF_ERROR(
            EnsureDefaultPermissions(repos, project.id, now));
        if (!override_json.empty()) {
          LATCHKEY_RETURN_IF_ERROR(repos.projects().SetConfigOverride(
              {project.id, kProjectLevel, override_json.dump(), now}));
        }
        out = ViewOf(repos, project, config);
        return out.status();
      }));
  if (!input.oauth_providers.empty()) {
    absl::Status providers = SetUpProviders(project.id, input.oauth_providers);
    if (!providers.ok()) {
      // Half a project would surprise its creator more than none: undo.
      absl::Status undone = Delete(project.id);
      (void)undone;
      return providers;
    }
    return Get(project.id);
  }
  return out;
}

absl::Status ProjectAdmin::SetUpProviders(
    const std::string& project_id,
    const std::vector<OAuthProviderInput>& providers) const {
  if (providers_ == nullptr) {
    return absl::InternalError("no OAuth provider settings to set up with");
  }
  for (const OAuthProviderInput& provider : providers) {
    LATCHKEY_RETURN_IF_ERROR(providers_->Upsert(project_id, provider).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProjectView>> ProjectAdmin::ListOwned(
    absl::string_view caller_project_id, const std::string& user_id) const {
  LATCHKEY_RETURN_IF_ERROR(RequireInternalProject(caller_project_id));
  std::vector<storage::ProjectRecord> owned;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(owned,
                                  repos.projects().ListOwnedByUser(user_id));
        return absl::OkStatus();
      }));
  std::vector<ProjectView> out;
  for (const storage::ProjectRecord& record : owned) {
    absl::StatusOr<ProjectView> project = Get(record.id);
    // Deleted between the two reads: leave it out.
    if (!project.ok() && ReadApiError(project.status()).has_value()) continue;
    if (!project.ok()) return project.status();
    out.push_back(*std::move(project));
  }
  return out;
}

absl::StatusOr<ProjectView> ProjectAdmin::Get(
    absl::string_view project_id) const {
  absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> snapshot =
      directory_.Get(project_id);
  if (!snapshot.ok()) {
    if (snapshot.status().code() == absl::StatusCode::kNotFound) {
      return ApiError(identity::v1::PROJECT_NOT_FOUND,
                      {{"project_id", std::string(project_id)}});
    }
    return snapshot.status();
  }
  return ProjectView{(*snapshot)->project, ConfigOf(**snapshot)};
}

ProjectConfig ProjectAdmin::ConfigOf(const ProjectSnapshot& snapshot) const {
  return ConfigWithProviders(snapshot.config, snapshot.oauth_providers);
}

absl::StatusOr<ProjectView> ProjectAdmin::Update(
    const std::string& project_id, const ProjectChanges& changes) const {
  if (changes.display_name.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(CheckDisplayName(*changes.display_name));
  }
  const absl::Time now = clock_.Now();
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(storage::ProjectRecord project,
                                  repos.projects().Get(project_id));
        if (changes.display_name.has_value()) {
          project.display_name = *changes.display_name;
        }
        if (changes.description.has_value()) {
          project.description = *changes.description;
        }
        if (changes.display_name.has_value() ||
            changes.description.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(repos.projects().Update(project));
        }
        if (!changes.config_patch.empty()) {
          LATCHKEY_RETURN_IF_ERROR(MergeProjectOverride(repos, project_id,
                                                        changes.config_patch,
                                                        now, ceiling_)
                                       .status());
        }
        return absl::OkStatus();
      }));
  directory_.Invalidate(project_id);
  if (!changes.oauth_providers.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        SetUpProviders(project_id, changes.oauth_providers));
  }
  return Get(project_id);
}

absl::Status ProjectAdmin::Delete(const std::string& project_id) const {
  if (project_id == kInternalProjectId) {
    return ApiError(identity::v1::CANNOT_DELETE_INTERNAL_PROJECT);
  }
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(storage::ProjectRecord project,
                                  repos.projects().Get(project_id));
        LATCHKEY_RETURN_IF_ERROR(repos.projects().Delete(project_id));
        if (!project.owner_team_id.has_value()) return absl::OkStatus();
        // The owner team was made for this project; drop it unless another
        // project (or the internal project itself) is owned by it too.
        LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::ProjectRecord> all,
                                  repos.projects().List());
        for (const storage::ProjectRecord& other : all) {
          if (other.owner_team_id == project.owner_team_id) {
            return absl::OkStatus();
          }
        }
        absl::Status deleted = repos.teams().Delete(
            common::Std(kInternalProjectId), *project.owner_team_id);
        if (deleted.code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        return deleted;
      }));
  directory_.Invalidate(project_id);
  return absl::OkStatus();
}

absl::StatusOr<ProjectConfig> ProjectAdmin::UpdateConfigOverride(
    const std::string& project_id, absl::string_view level,
    absl::string_view override_text) const {
  if (level != kProjectLevel) {
    return SchemaError(absl::StrCat(
        "params.level must be \"project\" (the only override level), not \"",
        level.substr(0, 32), "\""));
  }
  absl::StatusOr<nlohmann::json> patch =
      crypto::ParseStrictJsonObject(common::Std(override_text));
  if (!patch.ok()) {
    return SchemaError(
        "body.config_override_string must be a JSON object of dotted keys");
  }
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.projects().Get(project_id).status());
        return MergeProjectOverride(repos, project_id, *patch, clock_.Now(),
                                    ceiling_)
            .status();
      }));
  directory_.Invalidate(project_id);
  LATCHKEY_ASSIGN_OR_RETURN(ProjectView project, Get(project_id));
  return project.config;
}

}  // namespace latchkey::service::core
