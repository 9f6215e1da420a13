#ifndef TOOLS_LATCHKEYCTL_COMMANDS_PERMISSIONS_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_PERMISSIONS_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// permissions (list, define, grant, revoke, check) of --project, in team
// scope (the default) or project scope (--scope project).
const CommandGroup& PermissionCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_PERMISSIONS_H_
