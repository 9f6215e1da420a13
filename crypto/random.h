#ifndef CRYPTO_RANDOM_H_
#define CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// Secrets and identifiers from OpenSSL's CSPRNG (seeded from the OS). All
// functions are thread-safe. They fail closed: if the generator cannot
// produce output they return INTERNAL rather than anything predictable.

// `n` cryptographically random bytes. INVALID_ARGUMENT if n > 1 MiB (no
// caller needs more, and it bounds a mistaken request).
absl::StatusOr<std::string> RandomBytes(size_t n);

// Length of RandomToken(): Stack's generateSecureRandomString() default of
// ceil(224 / 5) characters.
inline constexpr size_t kRandomTokenLength = 45;

// A refresh token, email code or API-key body: 45 lower-case Crockford
// base32 characters carrying 225 uniformly random bits
// (docs/stack-wire-format.md).
absl::StatusOr<std::string> RandomToken();

// A random (version 4, RFC 9562) UUID in lower-case 8-4-4-4-12 form.
absl::StatusOr<std::string> RandomUuidV4();

// Whether `text` has the 8-4-4-4-12 hex form of a UUID (either case), as
// every id Latchkey makes does. Ids from a request are checked with this
// before they reach a query, so a malformed one is refused up front.
bool IsUuid(std::string_view text);

}  // namespace latchkey::crypto

#endif  // CRYPTO_RANDOM_H_
