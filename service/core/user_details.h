#ifndef SERVICE_CORE_USER_DETAILS_H_
#define SERVICE_CORE_USER_DETAILS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A user with what the contract's User message shows from other tables:
// the linked OAuth accounts and the selected team. Plain data.
struct UserDetails {
  storage::UserView view;
  std::vector<storage::OAuthAccountRecord> oauth_accounts;
  // Unset when no team is selected, or the selected team is gone.
  std::optional<storage::TeamRecord> selected_team;
};

// Reads the rest of `view`'s details through `repos`. Returns the
// repositories' errors.
absl::StatusOr<UserDetails> ReadUserDetails(storage::Repositories& repos,
                                            storage::UserView view);

// User `user_id` of `project_id` with its details. USER_NOT_FOUND when the
// project has no such user; the repositories' errors otherwise.
absl::StatusOr<UserDetails> ReadUserDetails(storage::Repositories& repos,
                                            const std::string& project_id,
                                            const std::string& user_id);

// The same in a read of its own (the signed-in user reading themselves).
absl::StatusOr<UserDetails> LoadUserDetails(storage::Database& database,
                                            const std::string& project_id,
                                            const std::string& user_id);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_DETAILS_H_
