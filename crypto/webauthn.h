#ifndef CRYPTO_WEBAUTHN_H_
#define CRYPTO_WEBAUTHN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// WebAuthn ceremonies as a relying party verifies them (WebAuthn Level 3,
// sections 7.1 and 7.2), from the raw bytes the browser returned (the
// caller decodes them from base64url). The pieces: ParseClientData and
// CheckClientData (webauthn_client_data.h), ParseAttestationObject and
// CheckAttestationStatement (webauthn_attestation.h),
// ParseAuthenticatorData (webauthn_authenticator_data.h), CoseKey
// (cose_key.h). Every failure is INVALID_ARGUMENT saying which check
// failed. Thread-safe.

// What the relying party expects of a ceremony.
struct RelyingPartyExpectation {
  // The page's origin, e.g. "https://app.example.com".
  std::string origin;
  // The RP ID the authenticator scoped the credential to.
  std::string rp_id;
  // SHA-256 of the challenge bytes issued for this ceremony.
  std::string challenge_sha256;
  // User verification (UV) required, not just presence (UP).
  bool require_user_verification = false;
};

struct VerifiedRegistration {
  std::string credential_id;  // raw bytes
  std::string public_key;     // the COSE_Key bytes, as sent
  int64_t algorithm = 0;      // COSE algorithm of the key
  uint32_t sign_count = 0;
  std::string fmt;
  std::string aaguid;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backed_up = false;
};

// Verifies a registration: clientDataJSON (type webauthn.create, challenge,
// origin), the attestation object, rpIdHash = SHA-256(rp_id), UP (and UV
// when required), the attested credential and its key (ES256, EdDSA or
// RS256), and the attestation statement.
absl::StatusOr<VerifiedRegistration> VerifyRegistration(
    absl::string_view client_data_json, absl::string_view attestation_object,
    const RelyingPartyExpectation& expected);

struct VerifiedAssertion {
  uint32_t sign_count = 0;
  bool user_verified = false;
  bool backed_up = false;
};

// Verifies an assertion against the stored credential: clientDataJSON (type
// webauthn.get, challenge, origin), rpIdHash, UP (and UV when required), no
// attested credential data, the signature over authenticatorData ||
// SHA-256(clientDataJSON) with `public_key` (COSE_Key bytes as stored), and
// the signature counter: when either the stored or the presented counter
// is above zero, the presented one must be strictly greater, or the
// authenticator may have been cloned.
absl::StatusOr<VerifiedAssertion> VerifyAssertion(
    absl::string_view client_data_json, absl::string_view authenticator_data,
    absl::string_view signature, absl::string_view public_key,
    uint32_t stored_sign_count, const RelyingPartyExpectation& expected);

// The counter rule alone (see VerifyAssertion).
bool SignCountAcceptable(uint32_t stored, uint32_t presented);

}  // namespace latchkey::crypto

#endif  // CRYPTO_WEBAUTHN_H_
