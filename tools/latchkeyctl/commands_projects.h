#ifndef TOOLS_LATCHKEYCTL_COMMANDS_PROJECTS_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_PROJECTS_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// projects, config and keys: ProjectService, on --project.
const CommandGroup& ProjectCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_PROJECTS_H_
