#include "service/core/own_account.h"

#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::Status DeleteOwnAccount(storage::Database& database,
                              const ProjectSnapshot& project,
                              const std::string& user_id, bool as_client) {
  if (as_client && !project.config.client_user_deletion_enabled()) {
    return ApiError(identity::v1::CLIENT_USER_DELETION_NOT_ENABLED);
  }
  return database.RunInTransaction([&](storage::Repositories& repos) {
    return UserNotFoundOr(repos.users().Delete(project.project.id, user_id));
  });
}

}  // namespace latchkey::service::core
