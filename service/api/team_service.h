#ifndef SERVICE_API_TEAM_SERVICE_H_
#define SERVICE_API_TEAM_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Registers every RPC of identity.v1.TeamPermissionService
// (team_permission.proto): teams, memberships and member profiles (this
// file's .cc), invitations (team_invitations.h), permission definitions,
// grants and checks (permission_service.h). The handlers share one
// core::PermissionCatalog, owned by them. Thread-safe; `context` must
// outlive the registry.
//
// Behaviour where the contract leaves room (README.md, "Teams and
// permissions"), following Stack Auth's backend:
//  - Client callers act as themselves only: user_id must be "me" or their
//    own id (CLIENT_CANNOT_ACCESS_OTHER_USERS). ListTeams without user_id
//    is server-only.
//  - A client that is not a member of the team it names gets
//    TEAM_MEMBERSHIP_NOT_FOUND (whether or not the team exists); a member
//    lacking the system permission gets TEAM_PERMISSION_REQUIRED.
//  - CreateTeam: a client's creator is itself when creator_user_id is
//    unset; a server call without creator_user_id makes a team with no
//    members. Creators get team_creator_default_permissions, members added
//    later team_member_default_permissions; defaults that are not defined
//    (deleted or renamed by an administrator) are skipped.
//  - Member profiles fall back to the user's display name and image.
// Returns the registry's error when a method is missing or registered
// twice.
absl::Status RegisterTeamPermissionService(MethodRegistry& registry,
                                           AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_TEAM_SERVICE_H_
