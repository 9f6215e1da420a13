#ifndef SERVICE_API_USER_IMPORT_H_
#define SERVICE_API_USER_IMPORT_H_

#include <vector>

#include "identity/v1/user.pb.h"
#include "service/core/user_import.h"

namespace latchkey::service::api {

// UserService.ImportUsers on the wire: up to 1000 users from another
// system (the contract's field rule bounds the count), each with an
// optional external id, email, display name, metadata and existing
// password hash. The flow (per-row checks and transactions, re-imports by
// external id) is core::UserImport; these only convert.

// The request's rows as core::UserImport takes them (metadata as JSON
// text).
std::vector<core::ImportRow> ImportRowsOf(
    const identity::v1::ImportUsersRequest& request);

// The per-row results: "created", "updated" or "failed" with the
// catalogue code's name and text, and the counts.
identity::v1::ImportUsersResponse ImportResponseOf(
    const core::ImportResult& result);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_USER_IMPORT_H_
