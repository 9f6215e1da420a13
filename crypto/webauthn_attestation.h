#ifndef CRYPTO_WEBAUTHN_ATTESTATION_H_
#define CRYPTO_WEBAUTHN_ATTESTATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/cose_key.h"

namespace latchkey::crypto {

// An attestation object: the CBOR map {fmt, attStmt, authData} a
// registration returns.
struct AttestationObject {
  std::string fmt;
  std::string auth_data;  // raw authenticator data
  // The statement's shape, as far as Latchkey looks at it.
  bool statement_empty = true;
  // "packed": alg and sig, and whether a certificate chain (x5c) came.
  std::optional<int64_t> packed_alg;
  std::optional<std::string> packed_sig;
  bool has_x5c = false;
};

// Parses an attestation object (raw CBOR, decoded from base64url by the
// caller): a map with text fmt, map attStmt and byte-string authData.
// For fmt "packed", alg must be an integer and sig a byte string, and x5c,
// when present, an array. INVALID_ARGUMENT otherwise.
absl::StatusOr<AttestationObject> ParseAttestationObject(
    absl::string_view bytes);

// Checks the attestation statement, with no trust policy (Latchkey asks for
// attestation "none" and keeps no list of authenticator makers):
//  - "none": the statement must be empty;
//  - "packed" without x5c (self-attestation): alg must be the credential
//    key's algorithm and sig must verify with that key over
//    authData || SHA-256(clientDataJSON);
//  - "packed" with a certificate chain, and every other format, are taken
//    as "none": the statement is not checked, since without a trust policy
//    a verified chain would prove nothing more.
// INVALID_ARGUMENT when a checked statement fails.
absl::Status CheckAttestationStatement(const AttestationObject& attestation,
                                       const CoseKey& credential_key,
                                       absl::string_view client_data_hash);

}  // namespace latchkey::crypto

#endif  // CRYPTO_WEBAUTHN_ATTESTATION_H_
