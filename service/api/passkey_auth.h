#ifndef SERVICE_API_PASSKEY_AUTH_H_
#define SERVICE_API_PASSKEY_AUTH_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// AuthService's passkey RPCs: InitiatePasskeyRegistration, RegisterPasskey,
// InitiatePasskeyAuthentication and PasskeySignIn (core/passkey_sign_in.h).
absl::Status RegisterPasskeyMethods(MethodRegistry& registry,
                                    AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PASSKEY_AUTH_H_
