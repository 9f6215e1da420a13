#ifndef SERVICE_CORE_DEFAULT_PERMISSIONS_H_
#define SERVICE_CORE_DEFAULT_PERMISSIONS_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace latchkey::service::core {

// The permissions every project starts with (docs/stack-wire-format.md): the
// built-in team system permissions, which are stored as definitions so that
// containment edges can point at them, and the two roles Stack creates,
// team_admin (every system permission) and team_member ($read_members,
// $invite_members). Stateless; thread-safe.

struct SystemPermission {
  std::string_view id;
  std::string_view description;
};

// "$update_team", "$delete_team", "$read_members", "$remove_members",
// "$invite_members", "$manage_api_keys", with Stack's descriptions.
const std::vector<SystemPermission>& SystemTeamPermissions();

// Whether `id` names a system permission ("$..."): built in, never
// created, renamed or deleted through the API.
bool IsSystemPermissionId(std::string_view id);

inline constexpr std::string_view kTeamAdminPermission = "team_admin";
inline constexpr std::string_view kTeamMemberPermission = "team_member";

// Seeds `project_id`'s default definitions inside the caller's
// transaction. Missing system permissions are always added (a newer
// version may bring new ones). team_admin and team_member are created only
// when the project had none of the system permissions yet, i.e. on its
// first seeding: an administrator who later edits or deletes them is never
// overridden. Idempotent. Returns the repositories' errors.
absl::Status EnsureDefaultPermissions(storage::Repositories& repos,
                                      std::string_view project_id,
                                      absl::Time now);

// The same in a transaction of its own, for start-up. Several replicas may
// run it at once: losing the race (ALREADY_EXISTS) is success, since the
// winner seeded everything in one transaction.
absl::Status EnsureDefaultPermissions(storage::Database& database,
                                      std::string_view project_id,
                                      absl::Time now);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_DEFAULT_PERMISSIONS_H_
