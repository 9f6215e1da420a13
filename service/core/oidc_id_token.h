#ifndef SERVICE_CORE_OIDC_ID_TOKEN_H_
#define SERVICE_CORE_OIDC_ID_TOKEN_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace latchkey::service::core {

// What an id_token must say to be accepted (OpenID Connect Core 3.1.3.7).
struct IdTokenExpectations {
  // The discovered issuer, compared byte for byte.
  std::string issuer;
  // Our client id at the provider: in aud, and azp when there are others.
  std::string client_id;
  // The nonce sent in the authorization request; always required.
  std::string nonce;
  // The access token from the same response, for at_hash when present.
  std::optional<std::string> access_token;
  absl::Time now;
  absl::Duration leeway = absl::Seconds(60);
};

// The accepted token's claims that sign-in uses.
struct IdTokenClaims {
  std::string sub;
  std::optional<std::string> email;
  bool email_verified = false;
  std::optional<std::string> name;
  std::optional<std::string> picture;
};

// Verifies `id_token` with the provider's JWK Set and checks, in order:
// the signature (crypto/jws.h), iss, aud (and azp), exp, iat, nonce,
// at_hash (when the token has one and an access token is given) and a
// non-empty sub. Errors: NOT_FOUND when no key of the set fits (refetch
// the set once and retry); UNAUTHENTICATED naming the first check that
// failed otherwise. Stateless; thread-safe.
absl::StatusOr<IdTokenClaims> ValidateIdToken(
    std::string_view id_token, const nlohmann::json& jwks,
    const IdTokenExpectations& expected);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OIDC_ID_TOKEN_H_
