#ifndef CRYPTO_JWT_H_
#define CRYPTO_JWT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/signing_keys.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {

// Compact-serialised ES256 JWTs (RFC 7515 / 7519) as Stack Auth issues them:
// header exactly {"alg":"ES256","kid":...} (no "typ"), claims as given,
// signature r || s. Signing keys come from a KeyRing (signing_keys.h).

// Tokens longer than this are refused unread; ours are well under 2 KiB.
inline constexpr size_t kMaxJwtSize = 8192;
// The most clock skew a verifier may forgive on exp, iat and nbf.
inline constexpr absl::Duration kMaxJwtLeeway = absl::Seconds(60);

// Signs `claims` (a JSON object, serialised compactly in its own member
// order) with `key`. The claims' "aud" must equal key.audience(), so a token
// can never be signed by another audience's key. INVALID_ARGUMENT if claims
// is not an object, aud is missing or different, a string is not valid UTF-8,
// or the token would exceed kMaxJwtSize; INTERNAL if OpenSSL fails.
// Thread-safe.
absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    const nlohmann::ordered_json& claims);

// Claims written as JSON text member by member, for the paths that issue a
// token on every request (refresh, sign-in): the same bytes SignJwt writes
// for an ordered_json holding the same members in the same order, without
// building that tree (about fifty allocations fewer per token). Names are
// written as given: callers use fixed names, each once (a repeated name
// would make a token our verifier refuses; a second top-level "aud" is
// refused at signing). One writer per token.
class JwtClaimsWriter {
 public:
  JwtClaimsWriter();

  JwtClaimsWriter& String(std::string_view name, std::string_view value);
  // The string, or null when there is none.
  JwtClaimsWriter& StringOrNull(std::string_view name,
                                const std::optional<std::string>& value);
  JwtClaimsWriter& Int(std::string_view name, int64_t value);
  JwtClaimsWriter& Bool(std::string_view name, bool value);
  JwtClaimsWriter& Null(std::string_view name);
  // Members written after BeginObject go into the object `name` until the
  // matching EndObject.
  JwtClaimsWriter& BeginObject(std::string_view name);
  JwtClaimsWriter& EndObject();

 private:
  friend absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                             JwtClaimsWriter claims);
  void Fail(std::string_view message);
  void Name(std::string_view name);
  void Text(std::string_view value);

  std::string json_;
  // Per open object, outermost first: whether a member was written in it.
  absl::InlinedVector<bool, 4> has_members_;
  // Whether a top-level "aud" was written (of any type), and its value when
  // it was a string.
  bool aud_written_ = false;
  std::optional<std::string> audience_;
  // The first misuse or invalid UTF-8; SignJwt returns it.
  absl::Status status_;
};

// SignJwt for claims from a JwtClaimsWriter: the same checks (aud written as
// a top-level string equal to key.audience(), valid UTF-8, size) and the
// same token bytes apart from the signature. INVALID_ARGUMENT also when an
// object was left open or closed without being opened, or aud was written
// twice.
absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    JwtClaimsWriter claims);

// Why a token was refused, for logs and metrics. The service maps these to
// Stack's error codes at the edge (service/, not here); the intended mapping:
//   kTooLarge, kMalformed, kBadAlgorithm, kUnknownKid, kBadSignature,
//   kInvalidClaims, kNotYetValid, kWrongIssuer -> UNPARSABLE_ACCESS_TOKEN
//       (Stack's jose raises a generic JOSEError for all of these);
//   kExpired -> ACCESS_TOKEN_EXPIRED, details from the (signature-verified)
//       claims: expired_at_millis = exp * 1000, project_id, user_id = sub,
//       refresh_token_id;
//   kWrongAudience -> by the token's audience: another project ->
//       INVALID_PROJECT_FOR_ACCESS_TOKEN (expected_project_id,
//       actual_project_id); "<project>:anon" where anonymous users are not
//       allowed -> ANONYMOUS_AUTHENTICATION_NOT_ALLOWED; "<project>:restricted"
//       where restricted users are not -> RESTRICTED_USER_NOT_ALLOWED;
//       "<project>:ws" used as an access token -> UNPARSABLE_ACCESS_TOKEN;
//   kInternal -> HTTP 500 (fail closed).
// The same codes with the ADMIN_ prefix apply to admin access tokens.
enum class JwtFailure {
  kNone,
  kTooLarge,       // Over kMaxJwtSize bytes.
  kMalformed,      // Not three strict base64url segments of JSON objects,
                   // duplicate member names, or a "crit" header.
  kBadAlgorithm,   // "alg" is anything but "ES256" (none, HS256, RS256...).
  kUnknownKid,     // No key of the token's audience has this kid (or the
                   // audience is not one we could have signed for).
  kBadSignature,   // The signature does not verify under that key.
  kInvalidClaims,  // Signed, but iss/aud/exp/iat missing or mistyped.
  kExpired,        // now >= exp + leeway.
  kNotYetValid,    // iat or nbf later than now + leeway.
  kWrongAudience,  // aud is not one the caller allows.
  kWrongIssuer,    // iss is not one the caller allows.
  kInternal,       // OpenSSL failed; nothing is known about the token.
};

// A stable lower-case name ("bad_signature") for logs and metric labels.
std::string_view JwtFailureName(JwtFailure failure);

// What the caller accepts. Both lists must be non-empty for any token to
// pass: an empty list allows nothing (fail closed).
struct JwtVerifyOptions {
  std::vector<std::string> allowed_audiences;
  std::vector<std::string> allowed_issuers;
};

// The outcome of JwtVerifier::Verify.
struct JwtVerification {
  // OK iff failure == kNone; UNAUTHENTICATED for every token problem and
  // INTERNAL for kInternal. The message never contains token contents.
  absl::Status status;
  JwtFailure failure = JwtFailure::kNone;
  // True once the signature has been checked with a known key. Until then
  // `header` and `claims` are attacker-controlled: use them for nothing but
  // diagnostics.
  bool signature_verified = false;
  nlohmann::json header;  // Null if the header did not parse.
  nlohmann::json claims;  // Null if the payload did not parse.
  // Set when the claims carry a numeric exp (e.g. for ACCESS_TOKEN_EXPIRED).
  std::optional<absl::Time> expires_at;

  bool ok() const { return failure == JwtFailure::kNone; }
};

// Verifies tokens strictly, in this order: size; three segments; header
// (strict base64url, strict JSON object, alg == "ES256", no "crit", string
// kid); payload (strict base64url and JSON; string aud naming an audience
// Latchkey signs for); key by (aud, kid) from the KeyRing, current or
// previous secret, either scheme; signature; then the claims (exp and iat
// required numbers, nbf optional, iss a string), time checks with leeway,
// audience and issuer against the caller's lists. No claim affects the
// outcome before the signature has verified, except that "aud" selects
// which keys are tried.
//
// Thread-safe; the KeyRing and Clock must outlive the verifier.
class JwtVerifier {
 public:
  // INVALID_ARGUMENT if leeway is negative or above kMaxJwtLeeway.
  static absl::StatusOr<JwtVerifier> Create(
      const KeyRing& keys, const common::Clock& clock,
      absl::Duration leeway = kMaxJwtLeeway);

  JwtVerification Verify(std::string_view token,
                         const JwtVerifyOptions& options) const;

 private:
  JwtVerifier(const KeyRing& keys, const common::Clock& clock,
              absl::Duration leeway)
      : keys_(&keys), clock_(&clock), leeway_(leeway) {}

  const KeyRing* keys_;
  const common::Clock* clock_;
  absl::Duration leeway_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_JWT_H_
