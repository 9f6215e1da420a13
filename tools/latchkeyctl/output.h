#ifndef TOOLS_LATCHKEYCTL_OUTPUT_H_
#define TOOLS_LATCHKEYCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace latchkey::ctl {

struct OutputOptions {
  bool json = false;          // --json: the message as JSON, one document
  bool show_secrets = false;  // --show-secrets: keys and tokens as they are
  std::string field;          // --field NAME: that top-level value alone
};

// Prints an answer: JSON (snake_case, defaults included), one field, or a
// table (`columns` of `items` for lists, else name/value rows). Secret
// fields (keys, tokens) are replaced unless show_secrets. Returns false
// when --field names nothing in the answer.
bool PrintMessage(const google::protobuf::Message& message,
                  const OutputOptions& options,
                  const std::vector<std::string>& columns = {});

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_OUTPUT_H_
