#ifndef SERVICE_API_EMAIL_CODE_AUTH_H_
#define SERVICE_API_EMAIL_CODE_AUTH_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// AuthService's emailed-code flows: sign-in by OTP or magic link
// (SendSignInCode, SignInWithCode, CheckSignInCode) and email verification
// (SendVerificationCode, VerifyEmail, CheckVerificationCode).
absl::Status RegisterEmailCodeMethods(MethodRegistry& registry,
                                      AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_EMAIL_CODE_AUTH_H_
