#ifndef TOOLS_LATCHKEYCTL_COMMANDS_SETUP_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_SETUP_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// setup and recover: the internal project's first administrator and the
// recovery of an administrator's password.
const CommandGroup& SetupCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_SETUP_H_
