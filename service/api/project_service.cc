#include "service/api/project_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "identity/v1/project.pb.h"
#include "nlohmann/json.hpp"
#include "service/api/project_keys.h"
#include "service/api/protos.h"
#include "service/core/projects.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "service/pipeline/service_binder.h"

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

// A google.protobuf.Struct of dotted keys as the JSON object the config
// code reads.
nlohmann::json StructToJson(const google::protobuf::Struct& config) {
  google::protobuf::Value value;
  *value.mutable_struct_value() = config;
  return nlohmann::json::parse(ValueToJsonText(value));
}

Project ProjectToProto(const core::ProjectView& view) {
  const storage::ProjectRecord& record = view.project;
  Project out;
  out.set_id(record.id);
  out.set_display_name(record.display_name);
  if (record.description.has_value()) out.set_description(*record.description);
  out.set_created_at_millis(Millis(record.created_at));
  *out.mutable_config() = view.config;
  if (record.owner_team_id.has_value()) {
    out.set_owner_team_id(*record.owner_team_id);
  }
  return out;
}

// The ProjectService RPCs on projects and their configuration: each turns
// the request into core::ProjectAdmin's input and its result back.
class ProjectMethods {
 public:
  explicit ProjectMethods(AppContext& context)
      : projects_(context.database, context.projects, context.clock,
                  context.passwords.ceiling()) {}

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
    if (request.has_config()) input.config = StructToJson(request.config());
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

  absl::StatusOr<ClientProject> GetCurrentProject(
      CallContext& call, const GetCurrentProjectRequest&) {
    const core::ProjectSnapshot& snapshot = *call.caller().project;
    LATCHKEY_ASSIGN_OR_RETURN(ProjectConfig config,
                              projects_.ConfigOf(snapshot));
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
          return SchemaError(
              absl::StrCat("update_mask names an unknown field \"",
                           path.substr(0, 64), "\""));
        }
      }
    }
    core::ProjectChanges changes;
    if (set_name) changes.display_name = request.display_name();
    if (set_description) {
      changes.description =
          request.has_description()
              ? std::optional<std::string>(request.description())
              : std::nullopt;
    }
    if (set_config && request.has_config()) {
      changes.config_patch = StructToJson(request.config());
    }
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
    return project.config;
  }

  absl::StatusOr<ProjectConfig> UpdateConfigOverride(
      CallContext& call, const UpdateConfigOverrideRequest& request) {
    return projects_.UpdateConfigOverride(call.caller().project_id,
                                          request.level(),
                                          request.config_override_string());
  }

 private:
  const core::ProjectAdmin projects_;
};

}  // namespace

absl::Status RegisterProjectService(MethodRegistry& registry,
                                    AppContext& context) {
  ServiceBinder<ProjectMethods> bind(registry, "identity.v1.ProjectService",
                                     std::make_shared<ProjectMethods>(context));
  bind("CreateProject", &ProjectMethods::CreateProject);
  bind("ListProjects", &ProjectMethods::ListProjects);
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
