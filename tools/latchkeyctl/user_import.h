#ifndef TOOLS_LATCHKEYCTL_USER_IMPORT_H_
#define TOOLS_LATCHKEYCTL_USER_IMPORT_H_

#include <string>

#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {

// `users import FILE`: reads JSON lines (one ImportedUser object a line) or
// CSV (FILE.csv, a header row of the same field names), sends 1000 rows a
// call, shows progress on a terminal and prints a summary with each failed
// row's line and reason. Exits kExitRefused when any row failed.
int ImportUsers(const Invocation& in, const std::string& path);

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_USER_IMPORT_H_
