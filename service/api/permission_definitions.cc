#include "service/api/permission_definitions.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "identity/v1/team_permission.pb.h"
#include "service/core/default_permissions.h"
#include "service/core/permission_graph.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {
namespace {

namespace v1 = identity::v1;
using storage::PermissionScope;

bool IsValidCustomId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// A new id (create, or a rename's target).
absl::Status CheckNewId(const std::string& id) {
  if (core::IsSystemPermissionId(id)) {
    return SchemaError(
        "body.id cannot start with $: system permissions are built in");
  }
  if (!IsValidCustomId(id)) {
    return SchemaError("body.id must match [a-z0-9_:]+");
  }
  return absl::OkStatus();
}

// The definition an update or delete names in its path.
absl::Status CheckExistingId(const std::string& id) {
  if (core::IsSystemPermissionId(id)) {
    return SchemaError(
        "system permissions ($...) are built in and cannot be changed");
  }
  if (!IsValidCustomId(id)) {
    return ApiError(v1::PERMISSION_NOT_FOUND, {{"permission_id", id}});
  }
  return absl::OkStatus();
}

std::vector<std::string> Deduplicated(
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  std::vector<std::string> out(ids.begin(), ids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Ids are unique across both scopes.
absl::Status RequireIdFree(storage::Repositories& repos,
                           const std::string& project_id,
                           const std::string& id) {
  for (PermissionScope scope :
       {PermissionScope::kTeam, PermissionScope::kProject}) {
    absl::Status found =
        repos.permissions().GetDefinition(project_id, scope, id).status();
    if (found.ok()) {
      return ApiError(v1::PERMISSION_ID_ALREADY_EXISTS,
                      {{"permission_id", id}});
    }
    if (!absl::IsNotFound(found)) return found;
  }
  return absl::OkStatus();
}

absl::Status RequireContainedDefined(storage::Repositories& repos,
                                     const std::string& project_id,
                                     PermissionScope scope,
                                     const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    absl::Status found =
        repos.permissions().GetDefinition(project_id, scope, id).status();
    if (absl::IsNotFound(found)) {
      return ApiError(v1::CONTAINED_PERMISSION_NOT_FOUND,
                      {{"permission_id", id}});
    }
    LATCHKEY_RETURN_IF_ERROR(found);
  }
  return absl::OkStatus();
}

absl::Status CycleError(const std::string& id) {
  return ApiError(v1::CONTAINED_PERMISSION_CYCLE, {{"permission_id", id}});
}

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

absl::StatusOr<v1::ListPermissionDefinitionsResponse> List(
    AppContext& context, CallContext& call, PermissionScope scope) {
  v1::ListPermissionDefinitionsResponse response;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::PermissionDefinitionRecord> definitions,
            repos.permissions().ListDefinitions(call.caller().project_id,
                                                scope));
        // By id: system ("$...") ones first, as Stack lists them.
        for (const auto& d : definitions) *response.add_items() = ToProto(d);
        return absl::OkStatus();
      }));
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::PermissionDefinition> Create(
    AppContext& context, TeamServiceState& state, CallContext& call,
    PermissionScope scope, const v1::CreatePermissionDefinitionRequest& r) {
  const std::string& project_id = call.caller().project_id;
  LATCHKEY_RETURN_IF_ERROR(CheckNewId(r.id()));
  storage::PermissionDefinitionRecord record;
  record.project_id = project_id;
  record.scope = scope;
  record.permission_id = r.id();
  if (r.has_description()) record.description = r.description();
  record.contained_permission_ids = Deduplicated(r.contained_permission_ids());
  record.created_at = context.clock.Now();
  for (const std::string& child : record.contained_permission_ids) {
    if (child == record.permission_id) return CycleError(child);
  }
  // Serializable: the checks below and the write form one step even when
  // two administrators define permissions at once.
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      storage::Isolation::kSerializable,
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireIdFree(repos, project_id, r.id()));
        LATCHKEY_RETURN_IF_ERROR(RequireContainedDefined(
            repos, project_id, scope, record.contained_permission_ids));
        return repos.permissions().CreateDefinition(record);
      }));
  state.catalog.Invalidate(project_id);
  return ToProto(record);
}

absl::StatusOr<v1::PermissionDefinition> Update(
    AppContext& context, TeamServiceState& state, CallContext& call,
    PermissionScope scope, const v1::UpdatePermissionDefinitionRequest& r) {
  const std::string& project_id = call.caller().project_id;
  const std::string& old_id = r.permission_id();
  LATCHKEY_RETURN_IF_ERROR(CheckExistingId(old_id));
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"permission_id"}));
  if (touched("id") && !r.has_id()) {
    return SchemaError("body.id cannot be null");
  }
  const std::string new_id = touched("id") ? r.id() : old_id;
  if (new_id != old_id) LATCHKEY_RETURN_IF_ERROR(CheckNewId(new_id));
  storage::PermissionDefinitionRecord record;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      storage::Isolation::kSerializable,
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::PermissionDefinitionRecord> existing =
            repos.permissions().GetDefinition(project_id, scope, old_id);
        if (absl::IsNotFound(existing.status())) {
          return ApiError(v1::PERMISSION_NOT_FOUND,
                          {{"permission_id", old_id}});
        }
        LATCHKEY_RETURN_IF_ERROR(existing.status());
        record = *std::move(existing);
        if (new_id != old_id) {
          LATCHKEY_RETURN_IF_ERROR(RequireIdFree(repos, project_id, new_id));
        }
        record.permission_id = new_id;
        if (touched("description")) {
          record.description = r.has_description()
                                   ? std::optional<std::string>(r.description())
                                   : std::nullopt;
        }
        if (touched("contained_permission_ids")) {
          record.contained_permission_ids =
              Deduplicated(r.contained_permission_ids());
          for (const std::string& child : record.contained_permission_ids) {
            if (child == old_id || child == new_id) return CycleError(child);
          }
          LATCHKEY_RETURN_IF_ERROR(RequireContainedDefined(
              repos, project_id, scope, record.contained_permission_ids));
        }
        // The scope's edges as they will be: renamed, and without this
        // definition's old contents. Any cycle would pass through it.
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::ContainmentEdge> edges,
            repos.permissions().ListEdges(project_id, scope));
        for (storage::ContainmentEdge& edge : edges) {
          if (edge.parent_id == old_id) edge.parent_id = new_id;
          if (edge.child_id == old_id) edge.child_id = new_id;
        }
        if (std::optional<std::string> via = core::PermissionGraph::FindCycle(
                edges, new_id, record.contained_permission_ids);
            via.has_value()) {
          return CycleError(*via);
        }
        return repos.permissions().UpdateDefinition(old_id, record);
      }));
  state.catalog.Invalidate(project_id);
  return ToProto(record);
}

absl::StatusOr<v1::SuccessResponse> Delete(
    AppContext& context, TeamServiceState& state, CallContext& call,
    PermissionScope scope, const v1::DeletePermissionDefinitionRequest& r) {
  const std::string& project_id = call.caller().project_id;
  LATCHKEY_RETURN_IF_ERROR(CheckExistingId(r.permission_id()));
  // Its grants and the edges to and from it go by cascade.
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        absl::Status deleted = repos.permissions().DeleteDefinition(
            project_id, scope, r.permission_id());
        if (absl::IsNotFound(deleted)) {
          return ApiError(v1::PERMISSION_NOT_FOUND,
                          {{"permission_id", r.permission_id()}});
        }
        return deleted;
      }));
  state.catalog.Invalidate(project_id);
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::Status RegisterScope(MethodRegistry& registry, AppContext& context,
                           std::shared_ptr<TeamServiceState> state,
                           PermissionScope scope, absl::string_view noun) {
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::ListPermissionDefinitionsRequest,
                          v1::ListPermissionDefinitionsResponse>(
          registry, absl::StrCat("List", noun, "PermissionDefinitions"),
          [ctx, scope](CallContext& call,
                       const v1::ListPermissionDefinitionsRequest&) {
            return List(*ctx, call, scope);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::CreatePermissionDefinitionRequest,
                          v1::PermissionDefinition>(
          registry, absl::StrCat("Create", noun, "PermissionDefinition"),
          [ctx, state, scope](CallContext& call,
                              const v1::CreatePermissionDefinitionRequest& r) {
            return Create(*ctx, *state, call, scope, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::UpdatePermissionDefinitionRequest,
                          v1::PermissionDefinition>(
          registry, absl::StrCat("Update", noun, "PermissionDefinition"),
          [ctx, state, scope](CallContext& call,
                              const v1::UpdatePermissionDefinitionRequest& r) {
            return Update(*ctx, *state, call, scope, r);
          })));
  return RegisterTeamMethod<v1::DeletePermissionDefinitionRequest,
                            v1::SuccessResponse>(
      registry, absl::StrCat("Delete", noun, "PermissionDefinition"),
      [ctx, state, scope](CallContext& call,
                          const v1::DeletePermissionDefinitionRequest& r) {
        return Delete(*ctx, *state, call, scope, r);
      });
}

}  // namespace

absl::Status RegisterPermissionDefinitionMethods(
    MethodRegistry& registry, AppContext& context,
    std::shared_ptr<TeamServiceState> state) {
  LATCHKEY_RETURN_IF_ERROR(
      RegisterScope(registry, context, state, PermissionScope::kTeam, "Team"));
  return RegisterScope(registry, context, state, PermissionScope::kProject,
                       "Project");
}

}  // namespace latchkey::service::api::teams
