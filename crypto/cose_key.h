#ifndef CRYPTO_COSE_KEY_H_
#define CRYPTO_COSE_KEY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// The COSE algorithms a passkey may use (IANA COSE registry): what Latchkey
// offers in pubKeyCredParams, in Stack's order.
inline constexpr int64_t kCoseEdDsa = -8;
inline constexpr int64_t kCoseEs256 = -7;
inline constexpr int64_t kCoseRs256 = -257;

// A credential public key from a COSE_Key (RFC 9052/9053) as WebAuthn
// carries it: EC2 P-256 with ES256, OKP Ed25519 with EdDSA, or RSA (2048 to
// 8192 bits) with RS256. The key must name its algorithm, and the
// algorithm must fit the key type and curve. Immutable, thread-safe.
class CoseKey {
 public:
  // Parses `bytes`, which must be exactly one COSE_Key map.
  // INVALID_ARGUMENT saying what is wrong (malformed CBOR, a missing or
  // mistyped parameter, an unsupported algorithm, key type or curve, a
  // point not on the curve).
  static absl::StatusOr<CoseKey> Parse(absl::string_view bytes);

  int64_t algorithm() const { return algorithm_; }

  // Checks `signature` over `message`: ES256 takes a DER ECDSA signature
  // (as WebAuthn sends it), EdDSA 64 raw bytes, RS256 PKCS #1 v1.5.
  // INVALID_ARGUMENT when it does not verify.
  absl::Status Verify(absl::string_view message,
                      absl::string_view signature) const;

 private:
  struct Key;
  CoseKey(int64_t algorithm, std::shared_ptr<const Key> key)
      : algorithm_(algorithm), key_(std::move(key)) {}

  int64_t algorithm_;
  std::shared_ptr<const Key> key_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_COSE_KEY_H_
