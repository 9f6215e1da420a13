#ifndef CRYPTO_HASHING_H_
#define CRYPTO_HASHING_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// Digests, MACs and comparisons. All functions are pure and thread-safe.
// Byte strings are std::string holding raw octets.

inline constexpr size_t kSha256Size = 32;

// SHA-256 of `data`: 32 raw bytes. The OpenSSL one-shot cannot fail for
// in-memory input short of a broken library, which aborts the process rather
// than returning a wrong digest.
std::string Sha256(std::string_view data);

// The same digest as raw bytes on the stack, for the per-token paths (ES256
// signing and verification) where the std::string's allocation shows.
std::array<unsigned char, kSha256Size> Sha256Digest(std::string_view data);

// SHA-256 as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

// The at-rest form of a bearer secret (refresh token, email code, API key):
// lower-case hex SHA-256, 64 characters. Hex rather than base64url because it
// is case-insensitive-safe in every database collation and easy to grep.
// A plain (unsalted, fast) hash is right here: the inputs carry 225 random
// bits, so there is nothing to brute-force, and lookups need determinism.
std::string HashToken(std::string_view token);

// HMAC-SHA1 (20 bytes) and HMAC-SHA256 (32 bytes) of `data` under `key`.
// INTERNAL only if OpenSSL fails.
absl::StatusOr<std::string> HmacSha1(std::string_view key,
                                     std::string_view data);
absl::StatusOr<std::string> HmacSha256(std::string_view key,
                                       std::string_view data);

// True iff a == b, in time that depends only on the lengths (CRYPTO_memcmp).
// Use it for every comparison involving a secret: MACs, token hashes, codes.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace latchkey::crypto

#endif  // CRYPTO_HASHING_H_
