#ifndef CRYPTO_WEBAUTHN_AUTHENTICATOR_DATA_H_
#define CRYPTO_WEBAUTHN_AUTHENTICATOR_DATA_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// Authenticator-data flags (WebAuthn Level 3, section 6.1).
inline constexpr uint8_t kFlagUserPresent = 0x01;
inline constexpr uint8_t kFlagUserVerified = 0x04;
inline constexpr uint8_t kFlagBackupEligible = 0x08;
inline constexpr uint8_t kFlagBackedUp = 0x10;
inline constexpr uint8_t kFlagAttestedCredential = 0x40;
inline constexpr uint8_t kFlagExtensions = 0x80;

// WebAuthn allows credential ids of at most 1023 bytes.
inline constexpr size_t kMaxCredentialIdLength = 1023;

// The credential a registration's authenticator data carries.
struct AttestedCredential {
  std::string aaguid;         // 16 bytes
  std::string credential_id;  // raw bytes
  std::string public_key;     // the COSE_Key bytes, exactly as sent
};

// Authenticator data: rpIdHash (32) | flags (1) | signCount (4, big
// endian) | [attested credential data, when AT] | [extensions map, when
// ED].
struct AuthenticatorData {
  std::string rp_id_hash;  // 32 bytes
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  std::optional<AttestedCredential> attested_credential;
  std::optional<std::string> extensions;  // the CBOR map bytes

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

// Parses authenticator data. The flags must agree with what follows (AT
// exactly when attested credential data is there, ED exactly when an
// extensions map is), the COSE key and extensions must be well-formed CBOR
// (the key is not interpreted here: CoseKey does that), the credential id
// at most kMaxCredentialIdLength bytes, and nothing may follow. Also
// refuses BS without BE. INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<AuthenticatorData> ParseAuthenticatorData(
    absl::string_view bytes);

}  // namespace latchkey::crypto

#endif  // CRYPTO_WEBAUTHN_AUTHENTICATOR_DATA_H_
