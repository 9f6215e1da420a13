#include "service/api/permission_definitions.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {
namespace {

using storage::PermissionScope;

v1::PermissionDefinition ToProto(const storage::PermissionDefinitionRecord& d) {
  v1::PermissionDefinition out;
  out.set_id(d.permission_id);
  if (d.description.has_value()) out.set_description(*d.description);
  std::vector<std::string> contained = d.contained_permission_ids;
  std::sort(contained.begin(), contained.end());
  for (std::string& id : contained) {
    out.add_contained_permission_ids(std::move(id));
  }
  return out;
}

std::vector<std::string> IdsOf(
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return std::vector<std::string>(ids.begin(), ids.end());
}

}  // namespace

absl::StatusOr<v1::ListPermissionDefinitionsResponse>
TeamMethods::ListDefinitions(CallContext& call, PermissionScope scope) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<storage::PermissionDefinitionRecord> definitions,
      definitions_.List(call.caller().project_id, scope));
  v1::ListPermissionDefinitionsResponse response;
  for (const auto& d : definitions) *response.add_items() = ToProto(d);
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::PermissionDefinition> TeamMethods::CreateDefinition(
    CallContext& call, PermissionScope scope,
    const v1::CreatePermissionDefinitionRequest& r) {
  core::PermissionDefinitions::NewDefinition definition;
  definition.id = r.id();
  if (r.has_description()) definition.description = r.description();
  definition.contained_permission_ids = IdsOf(r.contained_permission_ids());
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::PermissionDefinitionRecord record,
      definitions_.Create(call.caller().project_id, scope, definition));
  return ToProto(record);
}

absl::StatusOr<v1::PermissionDefinition> TeamMethods::UpdateDefinition(
    CallContext& call, PermissionScope scope,
    const v1::UpdatePermissionDefinitionRequest& r) {
  // The use case checks the path's id too; asked first so that a request
  // naming a system permission hears that before any complaint about its
  // update mask.
  LATCHKEY_RETURN_IF_ERROR(core::CheckExistingPermissionId(r.permission_id()));
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"permission_id"}));
  if (touched("id") && !r.has_id()) {
    return SchemaError("body.id cannot be null");
  }
  core::PermissionDefinitions::Changes changes;
  if (touched("id")) changes.id = r.id();
  if (touched("description")) {
    changes.description = r.has_description()
                              ? std::optional<std::string>(r.description())
                              : std::nullopt;
  }
  if (touched("contained_permission_ids")) {
    changes.contained_permission_ids = IdsOf(r.contained_permission_ids());
  }
  LATCHKEY_ASSIGN_OR_RETURN(storage::PermissionDefinitionRecord record,
                            definitions_.Update(call.caller().project_id, scope,
                                                r.permission_id(), changes));
  return ToProto(record);
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::DeleteDefinition(
    CallContext& call, PermissionScope scope,
    const v1::DeletePermissionDefinitionRequest& r) {
  LATCHKEY_RETURN_IF_ERROR(
      definitions_.Delete(call.caller().project_id, scope, r.permission_id()));
  return Success();
}

absl::StatusOr<v1::ListPermissionDefinitionsResponse>
TeamMethods::ListTeamPermissionDefinitions(
    CallContext& call, const v1::ListPermissionDefinitionsRequest&) {
  return ListDefinitions(call, PermissionScope::kTeam);
}
absl::StatusOr<v1::PermissionDefinition>
TeamMethods::CreateTeamPermissionDefinition(
    CallContext& call, const v1::CreatePermissionDefinitionRequest& r) {
  return CreateDefinition(call, PermissionScope::kTeam, r);
}
absl::StatusOr<v1::PermissionDefinition>
TeamMethods::UpdateTeamPermissionDefinition(
    CallContext& call, const v1::UpdatePermissionDefinitionRequest& r) {
  return UpdateDefinition(call, PermissionScope::kTeam, r);
}
absl::StatusOr<v1::SuccessResponse> TeamMethods::DeleteTeamPermissionDefinition(
    CallContext& call, const v1::DeletePermissionDefinitionRequest& r) {
  return DeleteDefinition(call, PermissionScope::kTeam, r);
}
absl::StatusOr<v1::ListPermissionDefinitionsResponse>
TeamMethods::ListProjectPermissionDefinitions(
    CallContext& call, const v1::ListPermissionDefinitionsRequest&) {
  return ListDefinitions(call, PermissionScope::kProject);
}
absl::StatusOr<v1::PermissionDefinition>
TeamMethods::CreateProjectPermissionDefinition(
    CallContext& call, const v1::CreatePermissionDefinitionRequest& r) {
  return CreateDefinition(call, PermissionScope::kProject, r);
}
absl::StatusOr<v1::PermissionDefinition>
TeamMethods::UpdateProjectPermissionDefinition(
    CallContext& call, const v1::UpdatePermissionDefinitionRequest& r) {
  return UpdateDefinition(call, PermissionScope::kProject, r);
}
absl::StatusOr<v1::SuccessResponse>
TeamMethods::DeleteProjectPermissionDefinition(
    CallContext& call, const v1::DeletePermissionDefinitionRequest& r) {
  return DeleteDefinition(call, PermissionScope::kProject, r);
}

}  // namespace latchkey::service::api::teams
