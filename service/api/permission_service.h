#ifndef SERVICE_API_PERMISSION_SERVICE_H_
#define SERVICE_API_PERMISSION_SERVICE_H_

// Permission grants, listing (recursive or not), and CheckPermission /
// BatchCheckPermissions: TeamMethods members (team_access.h). The rules
// are core::PermissionGrants (core/permission_grants.h) and
// core::PermissionCatalog (core/permission_catalog.h); this file converts.
#include "service/api/team_access.h"

#endif  // SERVICE_API_PERMISSION_SERVICE_H_
