#ifndef STORAGE_PERMISSION_REPOSITORY_H_
#define STORAGE_PERMISSION_REPOSITORY_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Permission definitions (per project and scope), the containment edges
// between them, and grants: team-scope grants to team members,
// project-scope grants to users. Renaming a definition carries its edges
// and grants along (ON UPDATE CASCADE); deleting one removes them.
// Storage does not check for containment cycles: the service does, on the
// edges ListEdges returns. Bound to one connection for one Database
// callback; not thread-safe.
class PermissionRepository {
 public:
  explicit PermissionRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the definition and its containment edges (call inside
  // RunInTransaction). Returns ALREADY_EXISTS (permission_definitions_pkey),
  // NOT_FOUND naming a contained id that is not defined in the scope.
  absl::Status CreateDefinition(const PermissionDefinitionRecord& definition);

  // The definition with its contained ids, or NOT_FOUND.
  absl::StatusOr<PermissionDefinitionRecord> GetDefinition(
      std::string_view project_id, PermissionScope scope,
      std::string_view permission_id);

  // Every definition of the scope, by id, each with its contained ids.
  absl::StatusOr<std::vector<PermissionDefinitionRecord>> ListDefinitions(
      std::string_view project_id, PermissionScope scope);

  // Renames (to definition.permission_id), re-describes and replaces the
  // contained ids of `permission_id` (call inside RunInTransaction).
  // Returns NOT_FOUND (definition or contained id), ALREADY_EXISTS (the
  // new id is taken).
  absl::Status UpdateDefinition(std::string_view permission_id,
                                const PermissionDefinitionRecord& definition);

  // Deletes the definition, its edges and its grants. NOT_FOUND.
  absl::Status DeleteDefinition(std::string_view project_id,
                                PermissionScope scope,
                                std::string_view permission_id);

  // Every containment edge of the scope, for compiling the closure.
  absl::StatusOr<std::vector<ContainmentEdge>> ListEdges(
      std::string_view project_id, PermissionScope scope);

  // Grants a team permission to a member. Returns true when newly granted,
  // false when it was granted already; NOT_FOUND when the user is not a
  // member of the team or the permission is not a team-scope definition.
  absl::StatusOr<bool> GrantTeamPermission(
      const TeamPermissionGrantRecord& grant);

  // Revokes a team grant. Returns NOT_FOUND when it was not granted.
  absl::Status RevokeTeamPermission(std::string_view project_id,
                                    std::string_view team_id,
                                    std::string_view user_id,
                                    std::string_view permission_id);

  // Direct team grants, optionally only of one team and/or one user,
  // ordered by team, user, permission.
  absl::StatusOr<std::vector<TeamPermissionGrantRecord>> ListTeamGrants(
      std::string_view project_id, std::optional<std::string_view> team_id,
      std::optional<std::string_view> user_id);

  // Grants a project permission to a user; true when newly granted.
  // NOT_FOUND when the user is not in the project or the permission is not
  // a project-scope definition.
  absl::StatusOr<bool> GrantProjectPermission(
      const ProjectPermissionGrantRecord& grant);

  // Revokes a project grant. Returns NOT_FOUND when it was not granted.
  absl::Status RevokeProjectPermission(std::string_view project_id,
                                       std::string_view user_id,
                                       std::string_view permission_id);

  // Direct project grants, optionally of one user, by user and permission.
  absl::StatusOr<std::vector<ProjectPermissionGrantRecord>> ListProjectGrants(
      std::string_view project_id, std::optional<std::string_view> user_id);

 private:
  absl::Status InsertEdges(const PermissionDefinitionRecord& definition);

  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_PERMISSION_REPOSITORY_H_
