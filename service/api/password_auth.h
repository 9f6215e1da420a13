#ifndef SERVICE_API_PASSWORD_AUTH_H_
#define SERVICE_API_PASSWORD_AUTH_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// AuthService's password flows: PasswordSignUp (with anonymous upgrade),
// PasswordSignIn (with imported-hash upgrade and TOTP MFA), MfaSignIn,
// UpdatePassword, SetPassword, and the reset flow (SendPasswordResetCode,
// CheckPasswordResetCode, ResetPassword), each behind the project's abuse
// limits.
absl::Status RegisterPasswordMethods(MethodRegistry& registry,
                                     AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PASSWORD_AUTH_H_
