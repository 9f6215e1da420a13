#include "crypto/webauthn_client_data.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/strict_json.h"

namespace latchkey::crypto {
namespace {

constexpr size_t kMaxClientDataJson = 4096;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("client data: ", why));
}

absl::StatusOr<std::string> StringMember(const nlohmann::json& object,
                                         const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Invalid(absl::StrCat(name, " is missing or not a string"));
  }
  return it->get<std::string>();
}

bool IsDnsName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  bool all_digits_or_dots = true;
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        all_digits_or_dots = false;
      }
    }
  }
  // 127.0.0.1 and friends are addresses, not names.
  return !all_digits_or_dots;
}

}  // namespace

absl::StatusOr<ClientData> ParseClientData(absl::string_view json) {
  if (json.size() > kMaxClientDataJson) return Invalid("larger than 4 KiB");
  absl::StatusOr<nlohmann::json> object =
      ParseStrictJsonObject(std::string_view(json.data(), json.size()));
  if (!object.ok()) {
    return Invalid(
        absl::StrCat("not a JSON object: ", object.status().message()));
  }
  ClientData data;
  LATCHKEY_ASSIGN_OR_RETURN(data.type, StringMember(*object, "type"));
  LATCHKEY_ASSIGN_OR_RETURN(data.challenge, StringMember(*object, "challenge"));
  LATCHKEY_ASSIGN_OR_RETURN(data.origin, StringMember(*object, "origin"));
  auto cross = object->find("crossOrigin");
  if (cross != object->end()) {
    if (!cross->is_boolean()) return Invalid("crossOrigin is not a boolean");
    data.cross_origin = cross->get<bool>();
  }
  return data;
}

absl::Status CheckClientData(const ClientData& client_data,
                             const ClientDataExpectation& expected) {
  if (client_data.type != expected.type) {
    return Invalid(absl::StrCat("type is \"", client_data.type,
                                "\", expected \"", expected.type, "\""));
  }
  absl::StatusOr<std::string> challenge =
      Base64UrlDecode(client_data.challenge);
  if (!challenge.ok() ||
      !ConstantTimeEquals(Sha256(*challenge), expected.challenge_sha256)) {
    return Invalid("the challenge is not the one issued");
  }
  if (client_data.origin != expected.origin) {
    return Invalid(absl::StrCat("origin \"", client_data.origin,
                                "\" is not the expected one"));
  }
  if (client_data.cross_origin) {
    return Invalid("cross-origin ceremonies are not accepted");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RpIdFromOrigin(absl::string_view origin) {
  absl::string_view rest = origin;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return Invalid("the origin is not http(s)");
  }
  absl::string_view host = rest;
  const size_t colon = rest.find(':');
  if (colon != absl::string_view::npos) {
    host = rest.substr(0, colon);
    const absl::string_view digits = rest.substr(colon + 1);
    int port = 0;
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](char c) {
                       return absl::ascii_isdigit(
                           static_cast<unsigned char>(c));
                     }) ||
        !absl::SimpleAtoi(digits, &port) || port < 1 || port > 65535) {
      return Invalid("the origin's port is invalid");
    }
  }
  if (!IsDnsName(host)) {
    return Invalid("the origin's host is not a DNS name");
  }
  return absl::AsciiStrToLower(host);
}

}  // namespace latchkey::crypto
