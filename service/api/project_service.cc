#include "service/api/project_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "identity/v1/project.pb.h"
#include "nlohmann/json.hpp"
#include "service/api/project_keys.h"
#include "service/api/protos.h"
#include "service/api/touched_fields.h"
#include "service/core/image_urls.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_provider_settings.h"
#include "service/core/projects.h"
#include "service/core/stack_project_body.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::CallerDescription;
using identity::v1::ClientProject;
using identity::v1::CreateProjectRequest;
using identity::v1::DeleteProjectRequest;
using identity::v1::DescribeCallerRequest;
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

// A google.protobuf.Struct of dotted keys as the JSON object the config
// code reads.
nlohmann::json StructToJson(const google::protobuf::Struct& config) {
  google::protobuf::Value value;
  *value.mutable_struct_value() = config;
  return nlohmann::json::parse(ValueToJsonText(value));
}

// The configuration as reads show it: the bot-challenge secret is write
// only.
ProjectConfig Redacted(ProjectConfig config) {
  config.mutable_bot_challenge()->clear_secret();
  return config;
}

Project ProjectToProto(const core::ProjectView& view) {
  const storage::ProjectRecord& record = view.project;
  Project out;
  out.set_id(record.id);
  out.set_display_name(record.display_name);
  if (record.description.has_value()) out.set_description(*record.description);
  out.set_created_at_millis(Millis(record.created_at));
  *out.mutable_config() = Redacted(view.config);
  if (record.owner_team_id.has_value()) {
    out.set_owner_team_id(*record.owner_team_id);
  }
  const identity::v1::ProjectProfile& profile = view.config.profile();
  out.set_is_production_mode(profile.is_production_mode());
  out.set_is_development_environment(profile.is_development_environment());
  // An empty logo is no logo: null, as Stack shows it.
  const auto logo = [](const std::string& url, auto set) {
    if (!url.empty()) set(url);
  };
  logo(profile.logo_url(), [&](const std::string& u) { out.set_logo_url(u); });
  logo(profile.logo_full_url(),
       [&](const std::string& u) { out.set_logo_full_url(u); });
  logo(profile.logo_dark_mode_url(),
       [&](const std::string& u) { out.set_logo_dark_mode_url(u); });
  logo(profile.logo_full_dark_mode_url(),
       [&](const std::string& u) { out.set_logo_full_dark_mode_url(u); });
  out.set_onboarding_status(profile.onboarding_status());
  return out;
}

// Stack's top-level descriptive fields of a create or update body, as the
// profile.* config keys that keep them. `touched` says which the body
// names; null (unset but touched) restores the default.
template <typename Request, typename TouchedFn>
absl::Status AddProfileKeys(const Request& r, TouchedFn touched,
                            nlohmann::json& keys) {
  if (touched("is_production_mode")) {
    keys["profile.is_production_mode"] =
        r.has_is_production_mode() ? nlohmann::json(r.is_production_mode())
                                   : nlohmann::json();
  }
  if (touched("onboarding_status")) {
    keys["profile.onboarding_status"] =
        r.has_onboarding_status() ? nlohmann::json(r.onboarding_status())
                                  : nlohmann::json();
  }
  struct Logo {
    const char* name;
    bool has;
    const std::string& value;
  };
  const Logo logos[] = {
      {"logo_url", r.has_logo_url(), r.logo_url()},
      {"logo_full_url", r.has_logo_full_url(), r.logo_full_url()},
      {"logo_dark_mode_url", r.has_logo_dark_mode_url(),
       r.logo_dark_mode_url()},
      {"logo_full_dark_mode_url", r.has_logo_full_dark_mode_url(),
       r.logo_full_dark_mode_url()},
  };
  for (const Logo& logo : logos) {
    if (!touched(logo.name)) continue;
    // Empty means no logo, like null.
    if (!logo.has || logo.value.empty()) {
      keys[absl::StrCat("profile.", logo.name)] = nullptr;
      continue;
    }
    LATCHKEY_RETURN_IF_ERROR(
        core::CheckImageUrl(absl::StrCat("body.", logo.name), logo.value));
    keys[absl::StrCat("profile.", logo.name)] = logo.value;
  }
  return absl::OkStatus();
}

// The dotted keys of `keys` without null values, for a new project (where
// "restore the default" is the same as leaving the key out).
nlohmann::json WithoutNulls(const nlohmann::json& keys) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : keys.items()) {
    if (!value.is_null()) out[key] = value;
  }
  return out;
}

// The ProjectService RPCs on projects and their configuration: each turns
// the request into core::ProjectAdmin's input and its result back.
class ProjectMethods {
 public:
  ProjectMethods(AppContext& context, crypto::SecretBox client_secret_box)
      : providers_(context.database, context.projects, context.clock,
                   std::move(client_secret_box)),
        projects_(context.database, context.projects, context.clock,
                  context.passwords.ceiling(), &providers_) {}

  absl::StatusOr<Project> CreateProject(CallContext& call,
                                        const CreateProjectRequest& request) {
    const Caller& caller = call.caller();
    core::NewProjectInput input;
    input.caller_project = caller.project.get();
    // A signed-in user with client access acts for themselves.
    if (caller.user.has_value() &&
        caller.access_type == identity::v1::ACCESS_TYPE_CLIENT) {
      input.client_user = &*caller.user;
    }
    input.admin_user_id = caller.admin_user_id;
    input.display_name = request.display_name();
    if (request.has_description()) input.description = request.description();
    nlohmann::json keys = nlohmann::json::object();
    if (request.has_config()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          core::ProjectConfigBody body,
          core::TranslateProjectConfigBody(StructToJson(request.config())));
      keys = std::move(body.override_keys);
      input.oauth_providers = std::move(body.oauth_providers);
    }
    LATCHKEY_RETURN_IF_ERROR(AddProfileKeys(
        request, [&](absl::string_view) { return true; }, keys));
    if (request.has_is_development_environment()) {
      keys["profile.is_development_environment"] =
          request.is_development_environment();
    }
    input.config = WithoutNulls(keys);
    if (request.has_owner_team_id()) {
      if (!crypto::IsUuid(request.owner_team_id())) {
        return SchemaError("body.owner_team_id must be a UUID");
      }
      input.owner_team_id = request.owner_team_id();
    }
    LATCHKEY_ASSIGN_OR_RETURN(core::ProjectView project,
                              projects_.Create(input));
    return ProjectToProto(project);
  }

  absl::StatusOr<ListProjectsResponse> ListProjects(
      CallContext& call, const ListProjectsRequest&) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<core::ProjectView> projects,
        projects_.ListOwned(caller.project_id, caller.user->sub()));
    ListProjectsResponse out;
    out.set_is_paginated(false);
    for (const core::ProjectView& project : projects) {
      *out.add_items() = ProjectToProto(project);
    }
    return out;
  }

  absl::StatusOr<CallerDescription> DescribeCaller(
      CallContext& call, const DescribeCallerRequest&) {
    const Caller& caller = call.caller();
    std::string access = "Unknown";
    switch (caller.access_type) {
      case identity::v1::ACCESS_TYPE_CLIENT:
        access = "Client";
        break;
      case identity::v1::ACCESS_TYPE_SERVER:
        access = "Server";
        break;
      case identity::v1::ACCESS_TYPE_ADMIN:
        access = "Admin";
        break;
      default:
        break;
    }
    // The user by address when they have one, else by id.
    std::string user = "None";
    if (caller.user.has_value()) {
      user = caller.user->has_email() && !caller.user->email().empty()
                 ? caller.user->email()
                 : caller.user->sub();
    }
    CallerDescription out;
    out.set_text(absl::StrCat(
        "Latchkey identity API (Stack Auth compatible); the OpenAPI document "
        "is at GET /api/v1/openapi.json.\n\nAuthentication: ",
        access, "\n  Project: ", caller.project_id, "\n  User: ", user, "\n"));
    return out;
  }

  absl::StatusOr<ClientProject> GetCurrentProject(
      CallContext& call, const GetCurrentProjectRequest&) {
    const core::ProjectSnapshot& snapshot = *call.caller().project;
    const ProjectConfig config = projects_.ConfigOf(snapshot);
    ClientProject out;
    out.set_id(snapshot.project.id);
    out.set_display_name(snapshot.project.display_name);
    identity::v1::ClientProjectConfig* view = out.mutable_config();
    view->set_sign_up_enabled(config.sign_up_enabled());
    view->set_credential_enabled(config.credential_enabled());
    view->set_magic_link_enabled(config.magic_link_enabled());
    view->set_passkey_enabled(config.passkey_enabled());
    view->set_client_team_creation_enabled(
        config.client_team_creation_enabled());
    view->set_client_user_deletion_enabled(
        config.client_user_deletion_enabled());
    view->set_allow_localhost(config.allow_localhost());
    view->set_allow_user_api_keys(config.allow_user_api_keys());
    view->set_allow_team_api_keys(config.allow_team_api_keys());
    *view->mutable_enabled_oauth_providers() = config.enabled_oauth_providers();
    *view->mutable_domains() = config.domains();
    return out;
  }

  absl::StatusOr<Project> GetProject(CallContext& call,
                                     const GetProjectRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(core::ProjectView project,
                              projects_.Get(call.caller().project_id));
    return ProjectToProto(project);
  }

  absl::StatusOr<Project> UpdateProject(CallContext& call,
                                        const UpdateProjectRequest& request) {
    // Which fields the update names: the mask's, or (no mask) those set.
    const Touched touched(request, request.update_mask());
    LATCHKEY_RETURN_IF_ERROR(touched.Check({}));
    core::ProjectChanges changes;
    if (touched("display_name")) changes.display_name = request.display_name();
    if (touched("description")) {
      changes.description =
          request.has_description()
              ? std::optional<std::string>(request.description())
              : std::nullopt;
    }
    if (touched("config") && request.has_config()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          core::ProjectConfigBody body,
          core::TranslateProjectConfigBody(StructToJson(request.config())));
      changes.config_patch = std::move(body.override_keys);
      changes.oauth_providers = std::move(body.oauth_providers);
    }
    LATCHKEY_RETURN_IF_ERROR(
        AddProfileKeys(request, touched, changes.config_patch));
    LATCHKEY_ASSIGN_OR_RETURN(
        core::ProjectView project,
        projects_.Update(call.caller().project_id, changes));
    return ProjectToProto(project);
  }

  absl::StatusOr<SuccessResponse> DeleteProject(CallContext& call,
                                                const DeleteProjectRequest&) {
    LATCHKEY_RETURN_IF_ERROR(projects_.Delete(call.caller().project_id));
    SuccessResponse out;
    out.set_success(true);
    return out;
  }

  absl::StatusOr<ProjectConfig> GetConfig(CallContext& call,
                                          const GetConfigRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(core::ProjectView project,
                              projects_.Get(call.caller().project_id));
    return Redacted(project.config);
  }

  absl::StatusOr<ProjectConfig> UpdateConfigOverride(
      CallContext& call, const UpdateConfigOverrideRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config,
                              projects_.UpdateConfigOverride(
                                  call.caller().project_id, request.level(),
                                  request.config_override_string()));
    return Redacted(std::move(config));
  }

 private:
  const core::OAuthProviderSettings providers_;
  const core::ProjectAdmin projects_;
};

}  // namespace

absl::Status RegisterProjectService(MethodRegistry& registry,
                                    AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox box,
      core::OAuthClientSecretBox(context.config.server_secret,
                                 context.config.previous_server_secret));
  ServiceBinder<ProjectMethods> bind(
      registry, "identity.v1.ProjectService",
      std::make_shared<ProjectMethods>(context, std::move(box)));
  bind("CreateProject", &ProjectMethods::CreateProject);
  bind("ListProjects", &ProjectMethods::ListProjects);
  bind("DescribeCaller", &ProjectMethods::DescribeCaller);
  bind("GetCurrentProject", &ProjectMethods::GetCurrentProject);
  bind("GetProject", &ProjectMethods::GetProject);
  bind("UpdateProject", &ProjectMethods::UpdateProject);
  bind("DeleteProject", &ProjectMethods::DeleteProject);
  bind("GetConfig", &ProjectMethods::GetConfig);
  bind("UpdateConfigOverride", &ProjectMethods::UpdateConfigOverride);
  LATCHKEY_RETURN_IF_ERROR(bind.status());
  return RegisterProjectKeyMethods(registry, context);
}

}  // namespace latchkey::service::api
