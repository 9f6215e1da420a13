#include "service/mesh/identity_headers.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace latchkey::service::mesh {
namespace {

constexpr size_t kMaxNameLength = 64;

struct FieldName {
  absl::string_view text;
  IdentityField field;
};

constexpr FieldName kFields[] = {
    {"primary_email", IdentityField::kPrimaryEmail},
    {"primary_email_verified", IdentityField::kPrimaryEmailVerified},
    {"display_name", IdentityField::kDisplayName},
    {"session_id", IdentityField::kSessionId},
    {"branch_id", IdentityField::kBranchId},
    {"is_restricted", IdentityField::kIsRestricted},
    {"restricted_reason", IdentityField::kRestrictedReason},
    {"signed_up_at", IdentityField::kSignedUpAt},
};

// Headers a proxy or the upstream reads with another meaning: sending a
// user's name in one of them would change what the request is.
constexpr absl::string_view kReserved[] = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "host",
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
    "x-latchkey-user-id",
    "x-latchkey-project-id",
    "x-latchkey-team-id",
    "x-latchkey-is-anonymous",
};

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

absl::Status Bad(absl::string_view entry, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("identity header \"", entry, "\": ", why));
}

std::string Known() {
  std::string out;
  for (const FieldName& f : kFields) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", f.text);
  }
  return out;
}

std::optional<std::string> Text(absl::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return std::nullopt;
  }
  return std::string(value);
}

}  // namespace

absl::StatusOr<std::vector<IdentityHeader>> ParseIdentityHeaders(
    absl::string_view text) {
  std::vector<IdentityHeader> headers;
  if (absl::StripAsciiWhitespace(text).empty()) return headers;
  std::set<std::string> seen;
  for (absl::string_view raw : absl::StrSplit(text, ',')) {
    const absl::string_view entry = absl::StripAsciiWhitespace(raw);
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    const std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts.first));
    const absl::string_view field = absl::StripAsciiWhitespace(parts.second);
    if (name.empty() || field.empty()) {
      return Bad(entry, "expected HEADER=FIELD");
    }
    if (name.size() > kMaxNameLength) {
      return Bad(entry, absl::StrCat("header names have at most ",
                                     kMaxNameLength, " characters"));
    }
    for (char c : name) {
      if (!IsTokenChar(c)) return Bad(entry, "not a valid header name");
    }
    for (absl::string_view reserved : kReserved) {
      if (name == reserved) {
        return Bad(entry, "this header is reserved; choose another name");
      }
    }
    if (absl::StartsWith(name, "x-stack-") ||
        absl::StartsWith(name, "x-hexclave-")) {
      return Bad(entry, "x-stack-* and x-hexclave-* carry credentials");
    }
    if (!seen.insert(name).second) return Bad(entry, "header named twice");
    std::optional<IdentityField> found;
    for (const FieldName& f : kFields) {
      if (f.text == field) found = f.field;
    }
    if (!found.has_value()) {
      return Bad(entry, absl::StrCat("unknown field; known: ", Known()));
    }
    if (headers.size() >= kMaxIdentityHeaders) {
      return Bad(entry, absl::StrCat("at most ", kMaxIdentityHeaders,
                                     " identity headers"));
    }
    headers.push_back({name, *found});
  }
  return headers;
}

std::optional<std::string> IdentityValue(
    IdentityField field, const identity::v1::AccessTokenClaims& claims) {
  switch (field) {
    case IdentityField::kPrimaryEmail:
      if (!claims.has_email() || claims.email().empty()) return std::nullopt;
      return Text(claims.email());
    case IdentityField::kPrimaryEmailVerified:
      return std::string(claims.email_verified() ? "true" : "false");
    case IdentityField::kDisplayName:
      if (!claims.has_name() || claims.name().empty()) return std::nullopt;
      return Text(claims.name());
    case IdentityField::kSessionId:
      if (claims.refresh_token_id().empty()) return std::nullopt;
      return Text(claims.refresh_token_id());
    case IdentityField::kBranchId:
      if (claims.branch_id().empty()) return std::nullopt;
      return Text(claims.branch_id());
    case IdentityField::kIsRestricted:
      return std::string(claims.is_restricted() ? "true" : "false");
    case IdentityField::kRestrictedReason:
      if (!claims.has_restricted_reason() ||
          claims.restricted_reason().type().empty()) {
        return std::nullopt;
      }
      return Text(claims.restricted_reason().type());
    case IdentityField::kSignedUpAt:
      return absl::StrCat(claims.signed_up_at());
  }
  return std::nullopt;
}

}  // namespace latchkey::service::mesh
