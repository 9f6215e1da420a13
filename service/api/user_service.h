#ifndef SERVICE_API_USER_SERVICE_H_
#define SERVICE_API_USER_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// identity.v1.UserService: user management for trusted back ends (server
// access) and administrators, on the calling project.
//
// Behaviour where the contract leaves room (README.md, "Users"):
// - `me` as a user id means the caller's own user (CANNOT_GET_OWN_USER_
//   WITHOUT_USER when none was sent).
// - UpdateUser follows update_mask: REST fills it from the body's keys, so
//   `"display_name": null` clears; a gRPC caller with an empty mask updates
//   exactly the fields it set. Null booleans mean false.
// - A primary email signs in unless primary_email_auth_enabled is false.
// - Password changes by an administrator keep the user's sessions (restrict
//   or delete the user to end them); deleting a user ends every session.
// - ImportUsers runs one transaction per row; a row with an external_id
//   already imported updates that user; a row without one always creates.
//
// The registered handlers are thread-safe; `context` must outlive them.
//
// Also registers AuthService.UpdateCurrentUser: the same update, on the
// caller's own user ("me").
absl::Status RegisterUserService(MethodRegistry& registry, AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_USER_SERVICE_H_
