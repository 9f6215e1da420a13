#ifndef SERVICE_API_SESSION_METHODS_H_
#define SERVICE_API_SESSION_METHODS_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Registers the AuthService RPCs that start sessions without credentials:
//  - AnonymousSignUp: core::AnonymousSignUp (the project's switch, the
//    per-address limit, the user and its first session in one
//    transaction); {access_token, refresh_token, user_id}.
//  - CreateSession (server, admin): core::UserSessions::Create, a session
//    for an existing user of the caller's project (USER_ID_DOES_NOT_EXIST
//    {user_id} otherwise), lasting expires_in_millis or the project's
//    refresh-token lifetime, marked as impersonation when asked;
//    {access_token, refresh_token}.
// The handlers are thread-safe. Returns the registry's error.
absl::Status RegisterSessionMethods(MethodRegistry& registry,
                                    AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_SESSION_METHODS_H_
