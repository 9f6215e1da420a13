// libFuzzer target: the WebAuthn parsers of untrusted browser input (and
// through them the CBOR walk over libcbor): attestation object,
// authenticator data, COSE key, clientDataJSON and the origin-to-RP-ID
// rule. The first byte picks the parser; the rest is its input. Seeds are
// the virtual-authenticator vectors of testdata/webauthn/corpus. Property:
// each answers OK or INVALID_ARGUMENT, never anything else, never a crash;
// what one stage accepts, the next stage is fed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "crypto/cose_key.h"
#include "crypto/webauthn_attestation.h"
#include "crypto/webauthn_authenticator_data.h"
#include "crypto/webauthn_client_data.h"

namespace crypto = latchkey::crypto;

namespace {

void Clean(const absl::Status& status) {
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }
}

void AuthenticatorData(absl::string_view bytes) {
  absl::StatusOr<crypto::AuthenticatorData> data =
      crypto::ParseAuthenticatorData(bytes);
  Clean(data.status());
  if (data.ok() && data->attested_credential.has_value()) {
    Clean(
        crypto::CoseKey::Parse(data->attested_credential->public_key).status());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 65536) return 0;
  absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      absl::StatusOr<crypto::AttestationObject> attestation =
          crypto::ParseAttestationObject(rest);
      Clean(attestation.status());
      if (attestation.ok()) AuthenticatorData(attestation->auth_data);
      break;
    }
    case 1:
      AuthenticatorData(rest);
      break;
    case 2:
      Clean(crypto::CoseKey::Parse(rest).status());
      break;
    case 3:
      Clean(crypto::ParseClientData(rest).status());
      break;
    default:
      Clean(crypto::RpIdFromOrigin(rest).status());
      break;
  }
  return 0;
}
