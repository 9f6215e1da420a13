#ifndef SERVICE_REQUEST_AUTHENTICATOR_H_
#define SERVICE_REQUEST_AUTHENTICATOR_H_

#include "absl/strings/string_view.h"
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "identity/v1/options.pb.h"
#include "service/call_context.h"

namespace latchkey::service {

// Request authentication, driven by each RPC's identity.v1.access rule: the
// one place that decides who is calling, run by the dispatcher before every
// method so that no method can skip it. Fills CallContext::caller() on
// success. Thread-safe.
//
// The checks run in Stack Auth's order (COMPAT.md): a key sent without an
// access type; a bad access type; an access type without a project id; no
// access type at all; the access type the method allows; a signed-in user
// where the method needs one.
class RequestAuthenticator {
 public:
  RequestAuthenticator() = default;

  // OK with context.caller() filled in, or the catalogue error of the first
  // failed check (PROJECT_KEY_WITHOUT_ACCESS_TYPE, INVALID_ACCESS_TYPE,
  // ACCESS_TYPE_WITHOUT_PROJECT_ID, ACCESS_TYPE_REQUIRED,
  // INSUFFICIENT_ACCESS_TYPE, USER_AUTHENTICATION_REQUIRED).
  absl::Status Authenticate(const identity::v1::AccessRule& rule,
                            CallContext& context) const;

  // "client" -> ACCESS_TYPE_CLIENT, ...; nullopt for anything else.
  static std::optional<identity::v1::AccessType> ParseAccessType(
      absl::string_view text);
  // ACCESS_TYPE_CLIENT -> "client", ...
  static absl::string_view AccessTypeName(identity::v1::AccessType type);
};

}  // namespace latchkey::service

#endif  // SERVICE_REQUEST_AUTHENTICATOR_H_
