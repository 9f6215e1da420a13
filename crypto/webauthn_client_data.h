#ifndef CRYPTO_WEBAUTHN_CLIENT_DATA_H_
#define CRYPTO_WEBAUTHN_CLIENT_DATA_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// The members of a clientDataJSON (WebAuthn Level 3, section 5.8.1) that
// Latchkey checks. Other members are allowed and ignored: browsers add
// some on purpose so that nobody compares the JSON against a template.
struct ClientData {
  std::string type;       // "webauthn.create" or "webauthn.get"
  std::string challenge;  // base64url, as the browser wrote it
  std::string origin;     // e.g. "https://app.example.com"
  bool cross_origin = false;
};

// Parses clientDataJSON (the raw bytes the browser produced, decoded from
// base64url by the caller): a JSON object, at most 4 KiB, with string type,
// challenge and origin, and crossOrigin a boolean when present.
// INVALID_ARGUMENT otherwise.
absl::StatusOr<ClientData> ParseClientData(absl::string_view json);

// What the relying party expects of the client data.
struct ClientDataExpectation {
  std::string type;
  // SHA-256 of the challenge's bytes: the server keeps only this hash.
  std::string challenge_sha256;
  std::string origin;
};

// Checks type, challenge (by hash, in constant time) and origin (exactly),
// and refuses a cross-origin (iframe) ceremony. INVALID_ARGUMENT naming the
// first mismatch.
absl::Status CheckClientData(const ClientData& client_data,
                             const ClientDataExpectation& expected);

// The RP ID a browser uses by default for a page of `origin`: its host,
// lower-cased. The origin must be http(s)://host[:port] with a DNS name
// for host (browsers refuse IP addresses as RP IDs). INVALID_ARGUMENT
// otherwise.
absl::StatusOr<std::string> RpIdFromOrigin(absl::string_view origin);

}  // namespace latchkey::crypto

#endif  // CRYPTO_WEBAUTHN_CLIENT_DATA_H_
