#ifndef SERVICE_API_SESSION_METHODS_H_
#define SERVICE_API_SESSION_METHODS_H_

#include <functional>

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/core/project_directory.h"
#include "service/pipeline/call_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Admission control for anonymous sign-up, asked before anything is
// written: OK admits; any other status is returned to the caller as is.
// This is where the per-IP limit (ProjectConfig
// rate_limits.anonymous_sign_up_per_ip, keyed on CallContext::client_ip())
// plugs in. Must be thread-safe.
using AnonymousSignUpAdmission = std::function<absl::Status(
    const CallContext& call, const core::ProjectSnapshot& project)>;

struct SessionMethodsOptions {
  // Empty: every anonymous sign-up is admitted (no limit configured).
  AnonymousSignUpAdmission admit_anonymous_sign_up;
};

// Registers the AuthService RPCs that start sessions without credentials:
//  - AnonymousSignUp: ANONYMOUS_ACCOUNTS_NOT_ENABLED when the project turns
//    anonymous accounts off; otherwise an anonymous user (UUID id, no
//    email, restricted with reason "anonymous") and its first session,
//    written in one transaction, and {access_token, refresh_token, user_id}.
//  - CreateSession (server, admin): a session for an existing user of the
//    caller's project (USER_ID_DOES_NOT_EXIST {user_id} otherwise), lasting
//    expires_in_millis or the project's refresh-token lifetime, marked as
//    impersonation when asked; {access_token, refresh_token}.
// The handlers are thread-safe. Returns the registry's error.
absl::Status RegisterSessionMethods(MethodRegistry& registry,
                                    AppContext& context,
                                    SessionMethodsOptions options = {});

}  // namespace latchkey::service::api

#endif  // SERVICE_API_SESSION_METHODS_H_
