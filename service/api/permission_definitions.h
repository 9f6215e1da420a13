#ifndef SERVICE_API_PERMISSION_DEFINITIONS_H_
#define SERVICE_API_PERMISSION_DEFINITIONS_H_

#include <memory>

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/api/team_access.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api::teams {

// The eight *PermissionDefinition methods (team and project scope), as
// permission_service.h describes them. Ids are unique across both scopes
// (as in Stack's configuration), which is what makes WRONG_PERMISSION_SCOPE
// meaningful: creating or renaming to an id taken at either scope is
// PERMISSION_ID_ALREADY_EXISTS.
absl::Status RegisterPermissionDefinitionMethods(
    MethodRegistry& registry, AppContext& context,
    std::shared_ptr<TeamServiceState> state);

}  // namespace latchkey::service::api::teams

#endif  // SERVICE_API_PERMISSION_DEFINITIONS_H_
