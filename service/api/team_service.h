#ifndef SERVICE_API_TEAM_SERVICE_H_
#define SERVICE_API_TEAM_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Registers every RPC of identity.v1.TeamPermissionService
// (team_permission.proto) with one ServiceBinder: the members of
// teams::TeamMethods (team_access.h), which convert protos to and from the
// core use cases that own the flows and Stack's rules: core::Teams,
// core::TeamMembers (teams, memberships, member profiles),
// core::TeamInvitations, core::PermissionGrants (grants and listing),
// core::PermissionDefinitions, and core::PermissionCatalog (checks). The
// handlers share one PermissionCatalog, owned by them. Thread-safe;
// `context` must outlive the registry. Returns the binder's error when a
// method is missing or registered twice.
absl::Status RegisterTeamPermissionService(MethodRegistry& registry,
                                           AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_TEAM_SERVICE_H_
