#ifndef SERVICE_API_USER_IMPORT_H_
#define SERVICE_API_USER_IMPORT_H_

#include "absl/status/statusor.h"
#include "identity/v1/user.pb.h"
#include "service/api/app_context.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service::api {

// UserService.ImportUsers: up to 1000 users from another system (the
// contract's field rule bounds the count), each with an optional external
// id, email, display name, metadata and existing password hash (bcrypt
// $2a$/$2b$/$2y$ or argon2id PHC, stored as given; bcrypt is re-hashed to
// argon2id by the first password sign-in).
//
// Every row runs in its own transaction and gets its own result: "created",
// "updated" (its external_id was imported before, so the call is
// idempotent) or "failed" with the catalogue code and text of what was
// wrong (SCHEMA_ERROR, USER_EMAIL_ALREADY_EXISTS, ...); a bad row never
// stops the others. Returns an error for the whole call only when the
// database fails (rows before it are kept). Thread-safe.
absl::StatusOr<identity::v1::ImportUsersResponse> ImportUsers(
    AppContext& context, CallContext& call,
    const identity::v1::ImportUsersRequest& request);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_USER_IMPORT_H_
