#ifndef SERVICE_CORE_PERMISSION_GRANTS_H_
#define SERVICE_CORE_PERMISSION_GRANTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "service/core/permission_catalog.h"
#include "service/core/team_actor.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Granting, revoking and listing permissions, at team and project scope.
//  - Team grants: the user must be a member (TEAM_MEMBERSHIP_NOT_FOUND),
//    then the permission defined at team scope; project grants: the user
//    must exist (USER_NOT_FOUND), then the permission defined at project
//    scope. An id defined only at the other scope is
//    WRONG_PERMISSION_SCOPE, an unknown one PERMISSION_NOT_FOUND.
//    Granting twice succeeds; revoking a grant the user does not hold
//    directly is PERMISSION_NOT_FOUND.
//  - Lists: a client may list only its own (CLIENT_CANNOT_ACCESS_OTHER_
//    USERS); ordered by team, user, permission id; `recursive` adds
//    everything the grants contain; `permission_id` filters after that.
// Thread-safe; the references must outlive this object.
class PermissionGrants {
 public:
  struct HeldTeamPermission {
    std::string permission_id;
    std::string team_id;
    std::string user_id;
  };

  struct HeldProjectPermission {
    std::string permission_id;
    std::string user_id;
  };

  struct ListQuery {
    // Resolved ("me" replaced); unset: every user (server only).
    std::optional<std::string> user_id;
    // Team scope only; unset: every team.
    std::optional<std::string> team_id;
    std::optional<std::string> permission_id;
    bool recursive = false;
  };

  PermissionGrants(storage::Database& database, const common::Clock& clock,
                   PermissionCatalog& catalog)
      : database_(database), clock_(clock), catalog_(catalog) {}

  absl::Status GrantTeam(const std::string& project_id,
                         const std::string& team_id, const std::string& user_id,
                         const std::string& permission_id) const;
  absl::Status RevokeTeam(const std::string& project_id,
                          const std::string& team_id,
                          const std::string& user_id,
                          const std::string& permission_id) const;
  absl::Status GrantProject(const std::string& project_id,
                            const std::string& user_id,
                            const std::string& permission_id) const;
  absl::Status RevokeProject(const std::string& project_id,
                             const std::string& user_id,
                             const std::string& permission_id) const;

  absl::StatusOr<std::vector<HeldTeamPermission>> ListTeam(
      const TeamActor& actor, const ListQuery& query) const;
  absl::StatusOr<std::vector<HeldProjectPermission>> ListProject(
      const TeamActor& actor, const ListQuery& query) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
  PermissionCatalog& catalog_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PERMISSION_GRANTS_H_
