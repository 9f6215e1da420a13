#ifndef CRYPTO_JWS_H_
#define CRYPTO_JWS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {

// Verification of JWS compact tokens signed by someone else (an OpenID
// provider's id_tokens), with that party's public JWK Set (RFC 7515, 7517,
// 7518, 8037). Our own tokens go through JwtVerifier (jwt.h) instead, which
// knows only our ES256 keys.

// A token whose signature verified. Nothing about the claims is checked:
// expiry, issuer and audience are the caller's business.
struct VerifiedJws {
  std::string alg;
  nlohmann::json header;
  nlohmann::json claims;
};

// Verifies `token` with a key of `jwks` (a JWK Set object, {"keys": [...]}).
// Algorithms: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA
// (Ed25519); never "none" or an HMAC (a public key used as an HMAC secret
// is the classic forgery). The key is the one whose "kid" the header names;
// a header without kid takes the only key of the right type. A key with
// "use" other than "sig", or whose "alg" differs from the header's, is
// never used.
//
// Errors: INVALID_ARGUMENT for a malformed token (segments, base64url,
// strict JSON objects, over 16 KiB); NOT_FOUND when no key fits (the
// caller may refetch the set once: keys rotate); UNAUTHENTICATED for an
// algorithm outside the list or a signature that does not verify.
// Thread-safe.
absl::StatusOr<VerifiedJws> VerifyJwsWithJwks(std::string_view token,
                                              const nlohmann::json& jwks);

// OpenID Connect's at_hash / c_hash for `alg`: base64url of the left half
// of the hash of `value` with the algorithm's hash (SHA-256 for *256 and
// EdDSA with Ed25519, SHA-384, SHA-512). INVALID_ARGUMENT for another alg.
absl::StatusOr<std::string> OidcLeftHalfHash(std::string_view alg,
                                             std::string_view value);

}  // namespace latchkey::crypto

#endif  // CRYPTO_JWS_H_
