#include "service/api/project_service.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/random.h"
#include "crypto/strict_json.h"
#include "identity/v1/project.pb.h"
#include "nlohmann/json.hpp"
#include "service/api/project_keys.h"
#include "service/api/protos.h"
#include "service/core/default_permissions.h"
#include "service/core/project_config.h"
#include "service/core/project_directory.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"

namespace latchkey::service::api {
namespace {

using identity::v1::ClientProject;
using identity::v1::CreateProjectRequest;
using identity::v1::DeleteProjectRequest;
using identity::v1::GetConfigRequest;
using identity::v1::GetCurrentProjectRequest;
using identity::v1::GetProjectRequest;
using identity::v1::ListProjectsRequest;
using identity::v1::ListProjectsResponse;
using identity::v1::Project;
using identity::v1::ProjectConfig;
using identity::v1::SuccessResponse;
using identity::v1::UpdateConfigOverrideRequest;
using identity::v1::UpdateProjectRequest;

constexpr char kProjectLevel[] = "project";

using common::Std;

absl::Status RequireInternalProject(const Caller& caller) {
  if (caller.project_id != core::kInternalProjectId) {
    return ApiError(identity::v1::EXPECTED_INTERNAL_PROJECT);
  }
  return absl::OkStatus();
}

// A google.protobuf.Struct of dotted keys as the JSON object the config
// code reads.
nlohmann::json StructToJson(const google::protobuf::Struct& config) {
  google::protobuf::Value value;
  *value.mutable_struct_value() = config;
  return nlohmann::json::parse(ValueToJsonText(value));
}

// enabled_oauth_providers follows the OAuth provider settings; a key that
// set it would silently disagree with them.
absl::Status RejectDerivedKeys(const nlohmann::json& patch) {
  for (const auto& [key, value] : patch.items()) {
    if (key == "enabled_oauth_providers" ||
        absl::StartsWith(key, "enabled_oauth_providers.")) {
      return SchemaError(
          "Invalid configuration: \"enabled_oauth_providers\" follows the "
          "OAuth providers (PUT /internal/oauth-providers/{id}); it cannot be "
          "set as a config key");
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
  return core::EffectiveProjectConfig(texts);
}

// Merges `patch` into the project-level override of `project_id`, checks
// the effective result (and the deployment's argon2 ceiling) and stores it.
// SCHEMA_ERROR (nothing written) for an unknown key or a bad value; the
// repositories' errors otherwise.
absl::StatusOr<ProjectConfig> MergeProjectOverride(
    storage::Repositories& repos, const std::string& project_id,
    const nlohmann::json& patch, absl::Time now,
    const core::Argon2Ceiling& ceiling) {
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
  const nlohmann::json merged = core::MergeOverrides(existing, patch);
  LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config,
                            EffectiveWith(levels, merged));
  // A value stored above the ceiling may stay; a stored level that no
  // longer validates holds nothing that may.
  absl::StatusOr<ProjectConfig> current = EffectiveWith(levels, existing);
  LATCHKEY_RETURN_IF_ERROR(core::CheckArgon2Ceiling(
      current.ok() ? *current : core::DefaultProjectConfig(), config, ceiling));
  LATCHKEY_RETURN_IF_ERROR(repos.projects().SetConfigOverride(
      {project_id, kProjectLevel, merged.dump(), now}));
  return config;
}

// The configuration as callers see it: enabled_oauth_providers from the
// provider settings.
absl::StatusOr<ProjectConfig> WithProviders(storage::Repositories& repos,
                                            const std::string& project_id,
                                            ProjectConfig config) {
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::OAuthProviderRecord> providers,
                            repos.oauth_providers().List(project_id));
  config.clear_enabled_oauth_providers();
  for (const storage::OAuthProviderRecord& provider : providers) {
    if (provider.enabled) {
      config.add_enabled_oauth_providers()->set_id(provider.provider_id);
    }
  }
  return config;
}

absl::StatusOr<Project> ProjectToProto(storage::Repositories& repos,
                                       const storage::ProjectRecord& record,
                                       ProjectConfig config) {
  Project out;
  out.set_id(record.id);
  out.set_display_name(record.display_name);
  if (record.description.has_value()) out.set_description(*record.description);
  out.set_created_at_millis(Millis(record.created_at));
  LATCHKEY_ASSIGN_OR_RETURN(*out.mutable_config(),
                            WithProviders(repos, record.id, std::move(config)));
  if (record.owner_team_id.has_value()) {
    out.set_owner_team_id(*record.owner_team_id);
  }
  return out;
}

// The project as of now (fresh from the directory after our own writes).
absl::StatusOr<Project> ReadProject(AppContext& context,
                                    absl::string_view project_id) {
  absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>> snapshot =
      context.projects.Get(project_id);
  if (!snapshot.ok()) {
    if (snapshot.status().code() == absl::StatusCode::kNotFound) {
      return ApiError(identity::v1::PROJECT_NOT_FOUND,
                      {{"project_id", std::string(project_id)}});
    }
    return snapshot.status();
  }
  absl::StatusOr<Project> out;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) {
        out = ProjectToProto(repos, (*snapshot)->project, (*snapshot)->config);
        return out.status();
      }));
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

absl::StatusOr<Project> CreateProject(AppContext& context, CallContext& call,
                                      const CreateProjectRequest& request) {
  const Caller& caller = call.caller();
  LATCHKEY_RETURN_IF_ERROR(RequireInternalProject(caller));
  if (request.display_name().empty()) {
    return SchemaError("body.display_name must not be empty");
  }
  nlohmann::json initial = nlohmann::json::object();
  if (request.has_config()) initial = StructToJson(request.config());
  LATCHKEY_RETURN_IF_ERROR(RejectDerivedKeys(initial));
  const nlohmann::json override_json =
      core::MergeOverrides(nlohmann::json::object(), initial);
  LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config, core::EffectiveProjectConfig(
                                                      {override_json.dump()}));
  LATCHKEY_RETURN_IF_ERROR(core::CheckArgon2Ceiling(
      core::DefaultProjectConfig(), config, context.passwords.ceiling()));

  // Who will own it: the acting internal-project user through a new team,
  // or (admin key, no user) the deployment's administrators.
  std::optional<std::string> owner_user_id;
  if (caller.user.has_value() &&
      caller.access_type == identity::v1::ACCESS_TYPE_CLIENT) {
    LATCHKEY_RETURN_IF_ERROR(RequireFullUser(*caller.user));
    owner_user_id = caller.user->sub();
  } else if (caller.admin_user_id.has_value()) {
    owner_user_id = *caller.admin_user_id;
  }

  const absl::Time now = context.clock.Now();
  storage::ProjectRecord project;
  LATCHKEY_ASSIGN_OR_RETURN(project.id, crypto::RandomUuidV4());
  project.display_name = request.display_name();
  if (request.has_description()) project.description = request.description();
  project.created_at = now;
  std::string team_id;
  if (owner_user_id.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(team_id, crypto::RandomUuidV4());
    project.owner_team_id = team_id;
  } else {
    project.owner_team_id = caller.project->project.owner_team_id;
  }

  absl::StatusOr<Project> out;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        if (owner_user_id.has_value()) {
          storage::TeamRecord team;
          team.id = team_id;
          team.project_id = std::string(core::kInternalProjectId);
          team.display_name = request.display_name();
          team.created_at = now;
          LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
          // The owner is the team's creator: team_admin and whatever else
          // the internal project grants creators, as in Stack. USER_NOT_FOUND
          // when the token is valid but its user has been deleted since.
          LATCHKEY_RETURN_IF_ERROR(core::AddMemberWithDefaults(
              repos, team.project_id, team_id, *owner_user_id,
              caller.project->config.team_creator_default_permissions(), now));
        }
        LATCHKEY_RETURN_IF_ERROR(repos.projects().Create(project));
        // System team permissions, team_admin and team_member.
        LATCHKEY_RETURN_IF_ERROR(
            core::EnsureDefaultPermissions(repos, project.id, now));
        if (!override_json.empty()) {
          LATCHKEY_RETURN_IF_ERROR(repos.projects().SetConfigOverride(
              {project.id, kProjectLevel, override_json.dump(), now}));
        }
        out = ProjectToProto(repos, project, config);
        return out.status();
      }));
  return out;
}

absl::StatusOr<ListProjectsResponse> ListProjects(AppContext& context,
                                                  CallContext& call) {
  const Caller& caller = call.caller();
  LATCHKEY_RETURN_IF_ERROR(RequireInternalProject(caller));
  std::vector<storage::ProjectRecord> owned;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            owned, repos.projects().ListOwnedByUser(caller.user->sub()));
        return absl::OkStatus();
      }));
  ListProjectsResponse out;
  out.set_is_paginated(false);
  for (const storage::ProjectRecord& record : owned) {
    absl::StatusOr<Project> project = ReadProject(context, record.id);
    // Deleted between the two reads: leave it out.
    if (!project.ok() && ReadApiError(project.status()).has_value()) continue;
    if (!project.ok()) return project.status();
    *out.add_items() = *std::move(project);
  }
  return out;
}

absl::StatusOr<ClientProject> GetCurrentProject(AppContext& context,
                                                CallContext& call) {
  const core::ProjectSnapshot& snapshot = *call.caller().project;
  absl::StatusOr<ProjectConfig> config;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) {
        config = WithProviders(repos, snapshot.project.id, snapshot.config);
        return config.status();
      }));
  ClientProject out;
  out.set_id(snapshot.project.id);
  out.set_display_name(snapshot.project.display_name);
  identity::v1::ClientProjectConfig* view = out.mutable_config();
  view->set_sign_up_enabled(config->sign_up_enabled());
  view->set_credential_enabled(config->credential_enabled());
  view->set_magic_link_enabled(config->magic_link_enabled());
  view->set_passkey_enabled(config->passkey_enabled());
  view->set_client_team_creation_enabled(
      config->client_team_creation_enabled());
  view->set_client_user_deletion_enabled(
      config->client_user_deletion_enabled());
  view->set_allow_localhost(config->allow_localhost());
  *view->mutable_enabled_oauth_providers() = config->enabled_oauth_providers();
  *view->mutable_domains() = config->domains();
  return out;
}

absl::StatusOr<Project> UpdateProject(AppContext& context, CallContext& call,
                                      const UpdateProjectRequest& request) {
  const std::string& project_id = call.caller().project_id;
  bool set_name = request.has_display_name();
  bool set_description = request.has_description();
  bool set_config = request.has_config();
  if (request.update_mask().paths_size() > 0) {
    set_name = set_description = set_config = false;
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "display_name") {
        set_name = true;
      } else if (path == "description") {
        set_description = true;
      } else if (path == "config") {
        set_config = true;
      } else {
        return SchemaError(absl::StrCat("update_mask names an unknown field \"",
                                        path.substr(0, 64), "\""));
      }
    }
  }
  if (set_name && request.display_name().empty()) {
    return SchemaError("body.display_name must not be empty");
  }
  nlohmann::json patch = nlohmann::json::object();
  if (set_config && request.has_config())
    patch = StructToJson(request.config());

  const absl::Time now = context.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(storage::ProjectRecord project,
                                  repos.projects().Get(project_id));
        if (set_name) project.display_name = request.display_name();
        if (set_description) {
          project.description =
              request.has_description()
                  ? std::optional<std::string>(request.description())
                  : std::nullopt;
        }
        if (set_name || set_description) {
          LATCHKEY_RETURN_IF_ERROR(repos.projects().Update(project));
        }
        if (!patch.empty()) {
          LATCHKEY_RETURN_IF_ERROR(
              MergeProjectOverride(repos, project_id, patch, now,
                                   context.passwords.ceiling())
                  .status());
        }
        return absl::OkStatus();
      }));
  context.projects.Invalidate(project_id);
  return ReadProject(context, project_id);
}

absl::StatusOr<SuccessResponse> DeleteProject(AppContext& context,
                                              CallContext& call) {
  const std::string& project_id = call.caller().project_id;
  if (project_id == core::kInternalProjectId) {
    return ApiError(identity::v1::CANNOT_DELETE_INTERNAL_PROJECT);
  }
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
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
            Std(core::kInternalProjectId), *project.owner_team_id);
        if (deleted.code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        return deleted;
      }));
  context.projects.Invalidate(project_id);
  SuccessResponse out;
  out.set_success(true);
  return out;
}

absl::StatusOr<ProjectConfig> GetConfig(AppContext& context,
                                        CallContext& call) {
  LATCHKEY_ASSIGN_OR_RETURN(Project project,
                            ReadProject(context, call.caller().project_id));
  return project.config();
}

absl::StatusOr<ProjectConfig> UpdateConfigOverride(
    AppContext& context, CallContext& call,
    const UpdateConfigOverrideRequest& request) {
  const std::string& project_id = call.caller().project_id;
  if (request.level() != kProjectLevel) {
    return SchemaError(absl::StrCat(
        "params.level must be \"project\" (the only override level), not \"",
        request.level().substr(0, 32), "\""));
  }
  absl::StatusOr<nlohmann::json> patch =
      crypto::ParseStrictJsonObject(request.config_override_string());
  if (!patch.ok()) {
    return SchemaError(
        "body.config_override_string must be a JSON object of dotted keys");
  }
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.projects().Get(project_id).status());
        return MergeProjectOverride(repos, project_id, *patch,
                                    context.clock.Now(),
                                    context.passwords.ceiling())
            .status();
      }));
  context.projects.Invalidate(project_id);
  LATCHKEY_ASSIGN_OR_RETURN(Project project, ReadProject(context, project_id));
  return project.config();
}

}  // namespace

absl::Status RegisterProjectService(MethodRegistry& registry,
                                    AppContext& context) {
  constexpr char kService[] = "identity.v1.ProjectService.";
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR((registry.Register<CreateProjectRequest, Project>(
      absl::StrCat(kService, "CreateProject"),
      [ctx](CallContext& call, const CreateProjectRequest& request) {
        return CreateProject(*ctx, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<ListProjectsRequest, ListProjectsResponse>(
          absl::StrCat(kService, "ListProjects"),
          [ctx](CallContext& call, const ListProjectsRequest&) {
            return ListProjects(*ctx, call);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<GetCurrentProjectRequest, ClientProject>(
          absl::StrCat(kService, "GetCurrentProject"),
          [ctx](CallContext& call, const GetCurrentProjectRequest&) {
            return GetCurrentProject(*ctx, call);
          })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<GetProjectRequest, Project>(
      absl::StrCat(kService, "GetProject"),
      [ctx](CallContext& call, const GetProjectRequest&) {
        return ReadProject(*ctx, call.caller().project_id);
      })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<UpdateProjectRequest, Project>(
      absl::StrCat(kService, "UpdateProject"),
      [ctx](CallContext& call, const UpdateProjectRequest& request) {
        return UpdateProject(*ctx, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<DeleteProjectRequest, SuccessResponse>(
          absl::StrCat(kService, "DeleteProject"),
          [ctx](CallContext& call, const DeleteProjectRequest&) {
            return DeleteProject(*ctx, call);
          })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<GetConfigRequest, ProjectConfig>(
      absl::StrCat(kService, "GetConfig"),
      [ctx](CallContext& call, const GetConfigRequest&) {
        return GetConfig(*ctx, call);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<UpdateConfigOverrideRequest, ProjectConfig>(
          absl::StrCat(kService, "UpdateConfigOverride"),
          [ctx](CallContext& call, const UpdateConfigOverrideRequest& request) {
            return UpdateConfigOverride(*ctx, call, request);
          })));
  return RegisterProjectKeyMethods(registry, context);
}

}  // namespace latchkey::service::api
