#ifndef TOOLS_LATCHKEYCTL_COMMANDS_TOKENS_H_
#define TOOLS_LATCHKEYCTL_COMMANDS_TOKENS_H_

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// health, jwks and tokens validate: TokenService reads.
const CommandGroup& TokenCommands();

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_COMMANDS_TOKENS_H_
