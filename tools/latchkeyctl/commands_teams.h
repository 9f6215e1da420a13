#ifndef TOOLS_LATCHKEYCTL_COMMANDS_TEAMS_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_TEAMS_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// teams (list, create, members, add, remove) of --project.
const CommandGroup& TeamCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_TEAMS_H_
