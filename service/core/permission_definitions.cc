#include "service/core/permission_definitions.h"

#include <algorithm>
#include <utility>

#include "common/status_macros.h"
#include "service/core/default_permissions.h"
#include "service/core/permission_graph.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
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
  if (IsSystemPermissionId(id)) {
    return SchemaError(
        "body.id cannot start with $: system permissions are built in");
  }
  if (!IsValidCustomId(id)) {
    return SchemaError("body.id must match [a-z0-9_:]+");
  }
  return absl::OkStatus();
}

std::vector<std::string> Deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
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

}  // namespace

absl::Status CheckExistingPermissionId(const std::string& id) {
  if (IsSystemPermissionId(id)) {
    return SchemaError(
        "system permissions ($...) are built in and cannot be changed");
  }
  if (!IsValidCustomId(id)) {
    return ApiError(v1::PERMISSION_NOT_FOUND, {{"permission_id", id}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<storage::PermissionDefinitionRecord>>
PermissionDefinitions::List(const std::string& project_id,
                            PermissionScope scope) const {
  std::vector<storage::PermissionDefinitionRecord> definitions;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            definitions,
            repos.permissions().ListDefinitions(project_id, scope));
        return absl::OkStatus();
      }));
  return definitions;
}

absl::StatusOr<storage::PermissionDefinitionRecord>
PermissionDefinitions::Create(const std::string& project_id,
                              PermissionScope scope,
                              const NewDefinition& definition) const {
  LATCHKEY_RETURN_IF_ERROR(CheckNewId(definition.id));
  storage::PermissionDefinitionRecord record;
  record.project_id = project_id;
  record.scope = scope;
  record.permission_id = definition.id;
  record.description = definition.description;
  record.contained_permission_ids =
      Deduplicated(definition.contained_permission_ids);
  record.created_at = clock_.Now();
  for (const std::string& child : record.contained_permission_ids) {
    if (child == record.permission_id) return CycleError(child);
  }
  // Serializable: the checks below and the write form one step even when
  // two administrators define permissions at once.
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      storage::Isolation::kSerializable,
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            RequireIdFree(repos, project_id, definition.id));
        LATCHKEY_RETURN_IF_ERROR(RequireContainedDefined(
            repos, project_id, scope, record.contained_permission_ids));
        return repos.permissions().CreateDefinition(record);
      }));
  catalog_.Invalidate(project_id);
  return record;
}

absl::StatusOr<storage::PermissionDefinitionRecord>
PermissionDefinitions::Update(const std::string& project_id,
                              PermissionScope scope, const std::string& old_id,
                              const Changes& changes) const {
  LATCHKEY_RETURN_IF_ERROR(CheckExistingPermissionId(old_id));
  const std::string new_id = changes.id.value_or(old_id);
  if (new_id != old_id) LATCHKEY_RETURN_IF_ERROR(CheckNewId(new_id));
  storage::PermissionDefinitionRecord record;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
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
        if (changes.description.has_value()) {
          record.description = *changes.description;
        }
        if (changes.contained_permission_ids.has_value()) {
          record.contained_permission_ids =
              Deduplicated(*changes.contained_permission_ids);
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
        if (std::optional<std::string> via = PermissionGraph::FindCycle(
                edges, new_id, record.contained_permission_ids);
            via.has_value()) {
          return CycleError(*via);
        }
        return repos.permissions().UpdateDefinition(old_id, record);
      }));
  catalog_.Invalidate(project_id);
  return record;
}

absl::Status PermissionDefinitions::Delete(
    const std::string& project_id, PermissionScope scope,
    const std::string& permission_id) const {
  LATCHKEY_RETURN_IF_ERROR(CheckExistingPermissionId(permission_id));
  // Its grants and the edges to and from it go by cascade.
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        absl::Status deleted = repos.permissions().DeleteDefinition(
            project_id, scope, permission_id);
        if (absl::IsNotFound(deleted)) {
          return ApiError(v1::PERMISSION_NOT_FOUND,
                          {{"permission_id", permission_id}});
        }
        return deleted;
      }));
  catalog_.Invalidate(project_id);
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
