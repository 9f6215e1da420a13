#ifndef SERVICE_GATEWAY_STACK_ERROR_H_
#define SERVICE_GATEWAY_STACK_ERROR_H_

#include "absl/status/status.h"
#include "service/gateway/http_server.h"

namespace latchkey::service::gateway {

// The REST form of an error, as Stack Auth's SDK reads it: the catalogue
// code's HTTP status; body {"code", "details", "error"} with details typed
// per the code's ErrorSpec (left out when the code has none); the
// `x-stack-known-error` header equal to the code, except for Latchkey's own
// codes; `Retry-After` for RATE_LIMITED. Statuses that are not catalogue
// errors are first made public (ToPublicError), so no internal text leaks.
// Content and CORS headers are the caller's.
HttpResponse StackErrorResponse(const absl::Status& status);

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_STACK_ERROR_H_
