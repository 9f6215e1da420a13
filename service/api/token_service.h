#ifndef SERVICE_API_TOKEN_SERVICE_H_
#define SERVICE_API_TOKEN_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Registers every RPC of identity.v1.TokenService (token.proto). Request
// authentication and field validation have run before a handler starts;
// the handlers are thread-safe and keep no state of their own.
//
// Behaviour worth knowing beyond the contract's comments:
//  - OAuthToken and RevokeRefreshToken authenticate their client with
//    AuthenticateOAuthClient (oauth_client.h): a client_id branch other than
//    "main" is INVALID_OAUTH_CLIENT_ID_OR_SECRET, as in Stack.
//  - OAuthToken grant_type=refresh_token: the user's row is read at every
//    refresh, so the token carries the user as they are now; the answer has
//    refresh_token only when the project rotates refresh tokens, and then
//    every refresh of one token within the grace window (concurrent tabs)
//    gets the same one (sessions.h). A missing refresh_token is
//    SCHEMA_ERROR; a scope other than "legacy" (Stack's only scope) is
//    SCHEMA_ERROR. grant_type=authorization_code is always
//    INVALID_AUTHORIZATION_CODE: no flow issues codes yet.
//  - RefreshAccessToken never rotates, even in projects that rotate: its
//    answer has no field for a next refresh token, so rotating would strand
//    the client with a spent one. A token already rotated away still meets
//    the grace window and reuse detection. The request field, when set,
//    wins over the x-stack-refresh-token header.
//  - RevokeRefreshToken revokes the token's whole rotation family (the
//    session as the user knows it); tokens of other projects and unknown
//    tokens succeed without effect (RFC 7009).
//  - ValidateAccessToken and IntrospectToken never read the database.
//    IntrospectToken accepts every user type of the caller's project and
//    answers {active: false} for any token the verifier refuses.
//  - CreateWebSocketToken reads the session the access token names, so a
//    signed-out session cannot open new sockets:
//    REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED when it is gone or expired.
//  - ListSigningKeys lists the keys of the three user audiences, current
//    secret first, then the previous one during a rotation.
// Returns the registry's error when a method is missing or registered twice.
absl::Status RegisterTokenService(MethodRegistry& registry,
                                  AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_TOKEN_SERVICE_H_
