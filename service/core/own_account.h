#ifndef SERVICE_CORE_OWN_ACCOUNT_H_
#define SERVICE_CORE_OWN_ACCOUNT_H_

#include <string>

#include "absl/status/status.h"
#include "service/core/project_directory.h"
#include "storage/database.h"

namespace latchkey::service::core {

// A signed-in user deleting their own account. With client access
// (`as_client`) only where the project allows it
// (CLIENT_USER_DELETION_NOT_ENABLED otherwise); servers may always.
// Sessions, memberships, grants and credentials go with the user, in one
// transaction. USER_NOT_FOUND when the user is already gone.
absl::Status DeleteOwnAccount(storage::Database& database,
                              const ProjectSnapshot& project,
                              const std::string& user_id, bool as_client);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OWN_ACCOUNT_H_
