#ifndef SERVICE_API_ACCOUNT_SESSIONS_H_
#define SERVICE_API_ACCOUNT_SESSIONS_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// AuthService methods about the signed-in user and their sessions:
// GetCurrentUser, DeleteCurrentUser, SignOut, ListSessions, RevokeSession.
absl::Status RegisterAccountSessionMethods(MethodRegistry& registry,
                                           AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_ACCOUNT_SESSIONS_H_
