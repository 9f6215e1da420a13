#ifndef SERVICE_MESH_IDENTITY_HEADERS_H_
#define SERVICE_MESH_IDENTITY_HEADERS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/identity/v1/token.pb.h"

namespace latchkey::service::mesh {

// The user facts an operator may send upstream besides the four built-in
// identity headers. All come from the verified access token's claims, so
// an allowed request costs no database read for them.
enum class IdentityField {
  kPrimaryEmail,          // "primary_email": the email claim
  kPrimaryEmailVerified,  // "primary_email_verified": "true" / "false"
  kDisplayName,           // "display_name": the name claim
  kSessionId,             // "session_id": the refresh_token_id claim
  kBranchId,              // "branch_id"
  kIsRestricted,          // "is_restricted": "true" / "false"
  kRestrictedReason,      // "restricted_reason": "anonymous", ... or none
  kSignedUpAt,            // "signed_up_at": seconds since the epoch
};

struct IdentityHeader {
  std::string name;  // lower-case
  IdentityField field;
};

// The most extra headers one server sends (bounded so a typo'd list
// cannot grow every allowed answer without limit).
inline constexpr int kMaxIdentityHeaders = 16;

// Parses --identity_headers: comma-separated NAME=FIELD pairs, for example
// "x-user-email=primary_email,x-user-name=display_name". Names are HTTP
// header names (RFC 9110 token characters, at most 64, compared and sent
// lower-case); they may not repeat, be one of the built-in identity
// headers, or be a header a proxy or the upstream gives another meaning
// (authorization, cookie, host, content-length, the x-stack-* credentials,
// ...). Empty text is no extra headers. Errors are InvalidArgument naming
// the bad entry.
absl::StatusOr<std::vector<IdentityHeader>> ParseIdentityHeaders(
    absl::string_view text);

// The header's value for `claims`, or nullopt when the user has none (no
// primary email, no display name, unrestricted for restricted_reason), or
// when the value could not travel as a header value (a control character,
// which could split the header): the header is then removed, never
// passed on from the client.
std::optional<std::string> IdentityValue(
    IdentityField field, const identity::v1::AccessTokenClaims& claims);

}  // namespace latchkey::service::mesh

#endif  // SERVICE_MESH_IDENTITY_HEADERS_H_
