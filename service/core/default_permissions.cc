#include "service/core/default_permissions.h"

#include <string>

#include "common/status_macros.h"

namespace latchkey::service::core {

const std::vector<SystemPermission>& SystemTeamPermissions() {
  static const auto* const kPermissions = new std::vector<SystemPermission>{
      {"$update_team", "Update the team information"},
      {"$delete_team", "Delete the team"},
      {"$read_members", "Read and list the other members of the team"},
      {"$remove_members", "Remove other members from the team"},
      {"$invite_members", "Invite other users to the team"},
      {"$manage_api_keys", "Create and manage API keys for the team"},
  };
  return *kPermissions;
}

bool IsSystemPermissionId(std::string_view id) {
  return !id.empty() && id.front() == '$';
}

absl::Status EnsureDefaultPermissions(storage::Repositories& repos,
                                      std::string_view project_id,
                                      absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<storage::PermissionDefinitionRecord> existing,
      repos.permissions().ListDefinitions(project_id,
                                          storage::PermissionScope::kTeam));
  auto defined = [&](std::string_view id) {
    for (const auto& d : existing) {
      if (d.permission_id == id) return true;
    }
    return false;
  };
  bool first_seeding = true;
  for (const SystemPermission& system : SystemTeamPermissions()) {
    if (defined(system.id)) first_seeding = false;
  }
  auto create = [&](std::string_view id, std::string_view description,
                    std::vector<std::string> contained) -> absl::Status {
    storage::PermissionDefinitionRecord record;
    record.project_id = std::string(project_id);
    record.scope = storage::PermissionScope::kTeam;
    record.permission_id = std::string(id);
    record.description = std::string(description);
    record.contained_permission_ids = std::move(contained);
    record.created_at = now;
    return repos.permissions().CreateDefinition(record);
  };
  std::vector<std::string> all_system;
  for (const SystemPermission& system : SystemTeamPermissions()) {
    all_system.emplace_back(system.id);
    if (!defined(system.id)) {
      LATCHKEY_RETURN_IF_ERROR(create(system.id, system.description, {}));
    }
  }
  if (!first_seeding) return absl::OkStatus();
  if (!defined(kTeamAdminPermission)) {
    LATCHKEY_RETURN_IF_ERROR(create(kTeamAdminPermission,
                                    "Default permission for team creators",
                                    all_system));
  }
  if (!defined(kTeamMemberPermission)) {
    LATCHKEY_RETURN_IF_ERROR(create(kTeamMemberPermission,
                                    "Default permission for team members",
                                    {"$invite_members", "$read_members"}));
  }
  return absl::OkStatus();
}

absl::Status EnsureDefaultPermissions(storage::Database& database,
                                      std::string_view project_id,
                                      absl::Time now) {
  absl::Status status =
      database.RunInTransaction([&](storage::Repositories& repos) {
        return EnsureDefaultPermissions(repos, project_id, now);
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::OkStatus();
  }
  return status;
}

}  // namespace latchkey::service::core
