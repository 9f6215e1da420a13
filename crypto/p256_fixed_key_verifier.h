#ifndef CRYPTO_P256_FIXED_KEY_VERIFIER_H_
#define CRYPTO_P256_FIXED_KEY_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// ECDSA P-256 verification for one public key that is checked many times.
//
// A signature (r, s) over digest e verifies iff the x coordinate of
// u1*G + u2*Q, with w = s^-1, u1 = e*w and u2 = r*w (mod n), equals r mod n.
// OpenSSL keeps a table of multiples of the base point G, so u1*G is cheap,
// but it multiplies the public key Q from scratch on every call, which is
// most of the cost of a verification. This class builds the same kind of
// table for Q once (an EC_GROUP whose generator is Q, precomputed by
// OpenSSL), so both products are table look-ups and a verification costs
// about half of OpenSSL's.
//
// Only public values are involved: the key, the digest and the signature.
// The table costs about 150 KiB and 20 ms to build, so callers build one
// only for keys that are verified often (see SigningKey).
//
// Immutable after Create and thread-safe.
class P256FixedKeyVerifier {
 public:
  static constexpr size_t kCoordinateSize = 32;
  static constexpr size_t kDigestSize = 32;
  static constexpr size_t kSignatureSize = 64;  // r || s, big-endian.

  // Builds the tables for the public key with affine coordinates (x, y),
  // each 32 bytes big-endian. INVALID_ARGUMENT if a coordinate has the
  // wrong size or the point is not on P-256; UNIMPLEMENTED if this OpenSSL
  // was built without the precomputation API; INTERNAL if OpenSSL fails.
  static absl::StatusOr<std::unique_ptr<P256FixedKeyVerifier>> Create(
      std::string_view x, std::string_view y);

  ~P256FixedKeyVerifier();
  P256FixedKeyVerifier(const P256FixedKeyVerifier&) = delete;
  P256FixedKeyVerifier& operator=(const P256FixedKeyVerifier&) = delete;

  // True iff `signature` (kSignatureSize bytes, r || s) is a valid ECDSA
  // signature of `digest` (kDigestSize bytes, used as the integer e without
  // truncation, as for SHA-256) under this key. Accepts exactly what
  // OpenSSL's ECDSA verification accepts: r and s in [1, n-1], either s or
  // n - s. False on any OpenSSL failure.
  bool Verify(const uint8_t* digest, const uint8_t* signature) const;

 private:
  struct Groups;  // The OpenSSL groups; defined in the .cc file.
  explicit P256FixedKeyVerifier(std::unique_ptr<Groups> groups);

  std::unique_ptr<Groups> groups_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_P256_FIXED_KEY_VERIFIER_H_
