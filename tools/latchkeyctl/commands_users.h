#ifndef TOOLS_LATCHKEYCTL_COMMANDS_USERS_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_USERS_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// users (list, create, get, update, delete, import) and their sessions, on
// --project with server or admin access.
const CommandGroup& UserCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_USERS_H_
