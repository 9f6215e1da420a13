#ifndef CRYPTO_JWKS_H_
#define CRYPTO_JWKS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/signing_keys.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {

// Public JWK Sets (RFC 7517) for the keys a KeyRing derives, in the shape
// Stack publishes: {"keys":[{kty, crv, alg, kid, x, y}, ...]}. All functions
// are thread-safe.

// Which user types' keys a project's JWKS carries besides normal users'
// (the jwks.json query flags include_restricted / include_anonymous).
struct JwksInclude {
  bool restricted = false;
  bool anonymous = false;  // Implies restricted, as in Stack's route.
};

// The audiences to publish, in order: "<project>", then
// "<project>:restricted", then "<project>:anon".
std::vector<std::string> JwksAudiences(std::string_view project_id,
                                       JwksInclude include = {});

// One public key: {"kty":"EC","crv":"P-256","alg":"ES256","kid","x","y"},
// x and y base64url of exactly 32 bytes (left-padded; Stack's own code does
// not pad, which RFC 7518 6.2.1.2 requires and strict verifiers check).
nlohmann::ordered_json PublicJwk(const SigningKey& key);

// The JWKS for `audiences`, serialised compactly: for each audience in order,
// its keys in KeyRing order (current scheme 1 and 2, then the previous
// secret's two when one is configured), so 2 or 4 keys per audience.
// INVALID_ARGUMENT if an audience is not valid (see IsValidAudience);
// INTERNAL if key derivation fails.
absl::StatusOr<std::string> BuildJwks(
    const KeyRing& keys, const std::vector<std::string>& audiences);

}  // namespace latchkey::crypto

#endif  // CRYPTO_JWKS_H_
