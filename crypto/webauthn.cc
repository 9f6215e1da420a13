#include "crypto/webauthn.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/cose_key.h"
#include "crypto/hashing.h"
#include "crypto/webauthn_attestation.h"
#include "crypto/webauthn_authenticator_data.h"
#include "crypto/webauthn_client_data.h"

namespace latchkey::crypto {
namespace {

absl::Status CheckRelyingParty(const AuthenticatorData& data,
                               const RelyingPartyExpectation& expected) {
  if (!ConstantTimeEquals(data.rp_id_hash, Sha256(expected.rp_id))) {
    return absl::InvalidArgumentError(
        "authenticator data: rpIdHash is not the hash of the RP ID");
  }
  if (!data.has(kFlagUserPresent)) {
    return absl::InvalidArgumentError(
        "authenticator data: the user-present flag is not set");
  }
  if (expected.require_user_verification && !data.has(kFlagUserVerified)) {
    return absl::InvalidArgumentError(
        "authenticator data: the user-verified flag is not set");
  }
  return absl::OkStatus();
}

absl::Status CheckCeremony(absl::string_view client_data_json,
                           absl::string_view type,
                           const RelyingPartyExpectation& expected) {
  LATCHKEY_ASSIGN_OR_RETURN(ClientData client_data,
                            ParseClientData(client_data_json));
  return CheckClientData(
      client_data,
      {std::string(type), expected.challenge_sha256, expected.origin});
}

}  // namespace

bool SignCountAcceptable(uint32_t stored, uint32_t presented) {
  if (stored == 0 && presented == 0) return true;
  return presented > stored;
}

absl::StatusOr<VerifiedRegistration> VerifyRegistration(
    absl::string_view client_data_json, absl::string_view attestation_object,
    const RelyingPartyExpectation& expected) {
  LATCHKEY_RETURN_IF_ERROR(
      CheckCeremony(client_data_json, "webauthn.create", expected));
  LATCHKEY_ASSIGN_OR_RETURN(AttestationObject attestation,
                            ParseAttestationObject(attestation_object));
  LATCHKEY_ASSIGN_OR_RETURN(AuthenticatorData data,
                            ParseAuthenticatorData(attestation.auth_data));
  LATCHKEY_RETURN_IF_ERROR(CheckRelyingParty(data, expected));
  if (!data.attested_credential.has_value()) {
    return absl::InvalidArgumentError(
        "authenticator data: no attested credential in a registration");
  }
  const AttestedCredential& credential = *data.attested_credential;
  LATCHKEY_ASSIGN_OR_RETURN(CoseKey key, CoseKey::Parse(credential.public_key));
  LATCHKEY_RETURN_IF_ERROR(CheckAttestationStatement(
      attestation, key,
      Sha256(
          std::string_view(client_data_json.data(), client_data_json.size()))));
  VerifiedRegistration out;
  out.credential_id = credential.credential_id;
  out.public_key = credential.public_key;
  out.algorithm = key.algorithm();
  out.sign_count = data.sign_count;
  out.fmt = attestation.fmt;
  out.aaguid = credential.aaguid;
  out.user_verified = data.has(kFlagUserVerified);
  out.backup_eligible = data.has(kFlagBackupEligible);
  out.backed_up = data.has(kFlagBackedUp);
  return out;
}

absl::StatusOr<VerifiedAssertion> VerifyAssertion(
    absl::string_view client_data_json, absl::string_view authenticator_data,
    absl::string_view signature, absl::string_view public_key,
    uint32_t stored_sign_count, const RelyingPartyExpectation& expected) {
  LATCHKEY_RETURN_IF_ERROR(
      CheckCeremony(client_data_json, "webauthn.get", expected));
  LATCHKEY_ASSIGN_OR_RETURN(AuthenticatorData data,
                            ParseAuthenticatorData(authenticator_data));
  LATCHKEY_RETURN_IF_ERROR(CheckRelyingParty(data, expected));
  if (data.attested_credential.has_value()) {
    return absl::InvalidArgumentError(
        "authenticator data: an assertion carries no attested credential");
  }
  LATCHKEY_ASSIGN_OR_RETURN(CoseKey key, CoseKey::Parse(public_key));
  LATCHKEY_RETURN_IF_ERROR(key.Verify(
      absl::StrCat(authenticator_data,
                   Sha256(std::string_view(client_data_json.data(),
                                           client_data_json.size()))),
      signature));
  if (!SignCountAcceptable(stored_sign_count, data.sign_count)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signature counter ", data.sign_count, " does not exceed the stored ",
        stored_sign_count, ": the authenticator may have been cloned"));
  }
  VerifiedAssertion out;
  out.sign_count = data.sign_count;
  out.user_verified = data.has(kFlagUserVerified);
  out.backed_up = data.has(kFlagBackedUp);
  return out;
}

}  // namespace latchkey::crypto
