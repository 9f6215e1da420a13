#ifndef SERVICE_API_CALLER_RULES_H_
#define SERVICE_API_CALLER_RULES_H_

#include <string>

#include "absl/status/statusor.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service::api {

// Whether the call came with client access (a publishable key or none),
// where callers may act only as their own signed-in user.
bool IsClient(const Caller& caller);

// "me" is the caller's own user: CANNOT_GET_OWN_USER_WITHOUT_USER when the
// call carries none. Other values are returned as they are.
absl::StatusOr<std::string> ResolveUserId(const Caller& caller,
                                          const std::string& requested);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_CALLER_RULES_H_
