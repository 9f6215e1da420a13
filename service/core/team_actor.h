#ifndef SERVICE_CORE_TEAM_ACTOR_H_
#define SERVICE_CORE_TEAM_ACTOR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "service/core/permission_catalog.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Who acts in a team or permission use case. Server and admin callers may
// act on anyone; a client acts only as its own signed-in user, and within a
// team only as far as its membership and team permissions allow (Stack's
// rules). Plain data.
struct TeamActor {
  std::string project_id;
  // Client access (a publishable key, or none).
  bool client = false;
  // The signed-in user's id when there is one ("" otherwise). The contract
  // makes every team method a client may call require a user, so for
  // clients this is always set.
  std::string user_id;
};

// For clients: CLIENT_CANNOT_ACCESS_OTHER_USERS unless `user_id` is their
// own. Nothing for server and admin callers.
absl::Status RequireSelf(const TeamActor& actor, std::string_view user_id);

// For clients: RequireTeamPermission for their own user in `team_id`
// (TEAM_MEMBERSHIP_NOT_FOUND, TEAM_PERMISSION_REQUIRED). Nothing for server
// and admin callers.
absl::Status RequireClientTeamPermission(storage::Repositories& repos,
                                         const TeamActor& actor,
                                         const CompiledPermissions& compiled,
                                         std::string_view team_id,
                                         std::string_view permission_id);

// TEAM_NOT_FOUND {team_id} for storage's NOT_FOUND; anything else
// unchanged.
absl::Status TeamNotFoundOr(const absl::Status& status,
                            std::string_view team_id);

// TEAM_MEMBERSHIP_NOT_FOUND {team_id, user_id} for storage's NOT_FOUND;
// anything else unchanged.
absl::Status MembershipNotFoundOr(const absl::Status& status,
                                  std::string_view team_id,
                                  std::string_view user_id);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAM_ACTOR_H_
