#ifndef SERVICE_CORE_EMAILS_H_
#define SERVICE_CORE_EMAILS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::service::core {

// Email addresses as Latchkey stores and compares them: trimmed of ASCII
// whitespace and lower-cased, as Stack does, so that " Ada@Example.COM "
// and "ada@example.com" are one account. Stateless; thread-safe.

// Whether `email` (already normalised) is a valid address by the WHATWG
// HTML rule (<input type=email>), which is what browsers and Stack's
// schema library accept: local part of atext and dots, one "@", domain of
// LDH labels of 1..63 characters; at most 254 octets in all and 64 in the
// local part (RFC 5321). Non-ASCII addresses are refused.
bool IsValidEmail(absl::string_view email);

// `raw` trimmed and lower-cased, when the result IsValidEmail; otherwise
// SCHEMA_ERROR (api_error.h) saying "<field> must be a valid email
// address", where `field` names the input as the client sent it (e.g.
// "body.primary_email").
absl::StatusOr<std::string> NormalizeEmail(absl::string_view raw,
                                           absl::string_view field);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_EMAILS_H_
