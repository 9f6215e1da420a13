#ifndef SERVICE_API_PERMISSION_SERVICE_H_
#define SERVICE_API_PERMISSION_SERVICE_H_

#include <memory>

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/api/team_access.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api::teams {

// Permission definitions at both scopes, grants, listing (recursive or
// not), and CheckPermission / BatchCheckPermissions.
//
//  - Ids match [a-z0-9_:]+ (SCHEMA_ERROR otherwise). System permissions
//    ("$...") are built in: listed with the team definitions and usable as
//    contained ids and grants, never created, changed or deleted
//    (SCHEMA_ERROR).
//  - Definition writes run serializable, check for cycles on the scope's
//    edges as they will be (CONTAINED_PERMISSION_CYCLE naming the contained
//    id that closes one), then invalidate this process's compiled view;
//    other replicas see the change within the catalog's TTL (2 s).
//  - Granting an id defined only at the other scope is
//    WRONG_PERMISSION_SCOPE; revoking a grant the user does not hold is
//    PERMISSION_NOT_FOUND. Granting twice succeeds.
//  - Lists are ordered by team, user, permission id; recursive=true adds
//    everything the grants contain; permission_id filters after expansion.
absl::Status RegisterPermissionMethods(MethodRegistry& registry,
                                       AppContext& context,
                                       std::shared_ptr<TeamServiceState> state);

}  // namespace latchkey::service::api::teams

#endif  // SERVICE_API_PERMISSION_SERVICE_H_
