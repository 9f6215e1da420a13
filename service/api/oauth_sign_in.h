#ifndef SERVICE_API_OAUTH_SIGN_IN_H_
#define SERVICE_API_OAUTH_SIGN_IN_H_

#include <memory>

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/core/oauth_sign_in.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// The OAuth sign-in use case with what it owns (the outbound HTTP client,
// the provider client and its caches, the client-secret box), shared by
// the authorize/callback methods and the token endpoint.
//
// Environment, read once here:
//  - LATCHKEY_OAUTH_<ID>_CLIENT_ID / _CLIENT_SECRET (/_ISSUER_URL, _TYPE,
//    _SCOPES) for the ids listed in LATCHKEY_OAUTH_PROVIDERS (comma
//    separated; default "google,github,discord"): the internal project's
//    providers where it stores none;
//  - LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP=true lets providers be reached over
//    plain http on a loopback address (tests with a local provider only).
absl::StatusOr<std::shared_ptr<const core::OAuthSignIn>> MakeOAuthSignIn(
    AppContext& context);

// Binds AuthService.OAuthAuthorize and AuthService.OAuthCallback.
absl::Status RegisterOAuthSignInMethods(MethodRegistry& registry,
                                        AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_OAUTH_SIGN_IN_H_
