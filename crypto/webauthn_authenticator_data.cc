#include "crypto/webauthn_authenticator_data.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/cbor.h"

namespace latchkey::crypto {
namespace {

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("authenticator data: ", why));
}

uint32_t BigEndian(absl::string_view bytes) {
  uint32_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace

absl::StatusOr<AuthenticatorData> ParseAuthenticatorData(
    absl::string_view bytes) {
  constexpr size_t kFixed = 37;
  if (bytes.size() < kFixed) return Invalid("shorter than 37 bytes");
  AuthenticatorData data;
  data.rp_id_hash = std::string(bytes.substr(0, 32));
  data.flags = static_cast<uint8_t>(bytes[32]);
  data.sign_count = BigEndian(bytes.substr(33, 4));
  if (data.has(kFlagBackedUp) && !data.has(kFlagBackupEligible)) {
    return Invalid("backed up (BS) without being backup eligible (BE)");
  }
  absl::string_view rest = bytes.substr(kFixed);
  if (data.has(kFlagAttestedCredential)) {
    if (rest.size() < 18) return Invalid("attested credential data truncated");
    AttestedCredential credential;
    credential.aaguid = std::string(rest.substr(0, 16));
    const size_t id_length = BigEndian(rest.substr(16, 2));
    rest.remove_prefix(18);
    if (id_length == 0 || id_length > kMaxCredentialIdLength) {
      return Invalid("credential id length out of range");
    }
    if (rest.size() < id_length) return Invalid("credential id truncated");
    credential.credential_id = std::string(rest.substr(0, id_length));
    rest.remove_prefix(id_length);
    // The COSE key's own encoding says where it ends.
    absl::StatusOr<size_t> key_length = CborItemLength(rest);
    if (!key_length.ok()) {
      return Invalid(absl::StrCat("credential public key: ",
                                  key_length.status().message()));
    }
    credential.public_key = std::string(rest.substr(0, *key_length));
    rest.remove_prefix(*key_length);
    data.attested_credential = std::move(credential);
  }
  if (data.has(kFlagExtensions)) {
    size_t consumed = 0;
    absl::StatusOr<CborItem> extensions = DecodeCborPrefix(rest, &consumed);
    if (!extensions.ok()) {
      return Invalid(
          absl::StrCat("extensions: ", extensions.status().message()));
    }
    if (!cbor_isa_map(extensions->get())) {
      return Invalid("extensions are not a CBOR map");
    }
    data.extensions = std::string(rest.substr(0, consumed));
    rest.remove_prefix(consumed);
  }
  if (!rest.empty()) return Invalid("trailing bytes");
  return data;
}

}  // namespace latchkey::crypto
