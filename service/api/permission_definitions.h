#ifndef SERVICE_API_PERMISSION_DEFINITIONS_H_
#define SERVICE_API_PERMISSION_DEFINITIONS_H_

// The eight *PermissionDefinition methods (team and project scope):
// TeamMethods members (team_access.h). The rules are
// core::PermissionDefinitions (core/permission_definitions.h); this file
// converts.
#include "service/api/team_access.h"

#endif  // SERVICE_API_PERMISSION_DEFINITIONS_H_
