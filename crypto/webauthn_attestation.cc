#include "crypto/webauthn_attestation.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/cbor.h"

namespace latchkey::crypto {
namespace {

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("attestation object: ", why));
}

}  // namespace

absl::StatusOr<AttestationObject> ParseAttestationObject(
    absl::string_view bytes) {
  absl::StatusOr<CborItem> item = DecodeCbor(bytes);
  if (!item.ok()) return Invalid(item.status().message());
  const cbor_item_t* map = item->get();
  if (!cbor_isa_map(map)) return Invalid("not a CBOR map");
  AttestationObject out;
  LATCHKEY_ASSIGN_OR_RETURN(out.fmt, CborText(CborMapFind(map, "fmt"), "fmt"));
  LATCHKEY_ASSIGN_OR_RETURN(
      out.auth_data, CborBytes(CborMapFind(map, "authData"), "authData"));
  const cbor_item_t* statement = CborMapFind(map, "attStmt");
  if (statement == nullptr || !cbor_isa_map(statement)) {
    return Invalid("attStmt is missing or not a map");
  }
  out.statement_empty = cbor_map_size(statement) == 0;
  if (out.fmt == "packed") {
    LATCHKEY_ASSIGN_OR_RETURN(
        out.packed_alg, CborInt(CborMapFind(statement, "alg"), "attStmt alg"));
    LATCHKEY_ASSIGN_OR_RETURN(
        out.packed_sig,
        CborBytes(CborMapFind(statement, "sig"), "attStmt sig"));
    const cbor_item_t* x5c = CborMapFind(statement, "x5c");
    if (x5c != nullptr) {
      if (!cbor_isa_array(x5c)) return Invalid("x5c is not an array");
      out.has_x5c = true;
    }
  }
  return out;
}

absl::Status CheckAttestationStatement(const AttestationObject& attestation,
                                       const CoseKey& credential_key,
                                       absl::string_view client_data_hash) {
  if (attestation.fmt == "none") {
    if (!attestation.statement_empty) {
      return Invalid("fmt \"none\" with a non-empty statement");
    }
    return absl::OkStatus();
  }
  if (attestation.fmt == "packed" && !attestation.has_x5c) {
    if (attestation.packed_alg != credential_key.algorithm()) {
      return Invalid(
          "self-attestation algorithm differs from the credential key's");
    }
    absl::Status signature = credential_key.Verify(
        absl::StrCat(attestation.auth_data, client_data_hash),
        attestation.packed_sig.value_or(""));
    if (!signature.ok()) {
      return Invalid(absl::StrCat("self-attestation: ", signature.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace latchkey::crypto
