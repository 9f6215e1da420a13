#ifndef STORAGE_USER_REPOSITORY_H_
#define STORAGE_USER_REPOSITORY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// What ListUsers returns and in which order.
struct UserListQuery {
  int limit = 100;  // 1..1000.
  // From a previous page's next_cursor; nullopt starts at the beginning.
  std::optional<std::string> cursor;
  bool descending = false;  // Newest first.
  // Case-insensitive substring of the primary email or display name.
  std::optional<std::string> search;
  bool include_anonymous = false;
  bool include_restricted_by_admin = true;
  // Leave out users whose primary email is unverified (for projects that
  // restrict such users, when the caller excludes restricted users).
  bool require_verified_primary_email = false;
  // Only members of this team.
  std::optional<std::string> team_id;
};

struct UserPage {
  std::vector<UserView> users;
  // Set when more users follow; pass back as UserListQuery::cursor.
  std::optional<std::string> next_cursor;
};

// Users of a project. Bound to one connection for one Database callback;
// not thread-safe.
class UserRepository {
 public:
  explicit UserRepository(SqlExecutor& executor) : ex_(executor) {}

  // Inserts `user`. Returns ALREADY_EXISTS (users_pkey,
  // users_external_id_unique), NOT_FOUND when the project or selected team
  // does not exist, INVALID_ARGUMENT for malformed metadata JSON.
  absl::Status Create(const UserRecord& user);

  // The user with `user_id` in `project_id`, or NOT_FOUND.
  absl::StatusOr<UserView> Get(std::string_view project_id,
                               std::string_view user_id);

  // The user whose contact channel (type "email", used for sign-in) is
  // `email`, or NOT_FOUND.
  absl::StatusOr<UserView> FindByAuthEmail(std::string_view project_id,
                                           std::string_view email);

  // The user imported with `external_id`, or NOT_FOUND.
  absl::StatusOr<UserView> FindByExternalId(std::string_view project_id,
                                            std::string_view external_id);

  // Overwrites every mutable column of the stored user with `user`'s
  // (read-modify-write inside RunInTransaction). Returns NOT_FOUND,
  // ALREADY_EXISTS (external id), INVALID_ARGUMENT (JSON).
  absl::Status Update(const UserRecord& user);

  // Stamps last_active_at. Returns NOT_FOUND for an unknown user.
  absl::Status TouchLastActive(std::string_view project_id,
                               std::string_view user_id, absl::Time at);

  // Deletes the user; sessions, contact channels, credentials, OAuth
  // accounts, passkeys, memberships, grants and codes go with it
  // (ON DELETE CASCADE). Returns NOT_FOUND for an unknown user.
  absl::Status Delete(std::string_view project_id, std::string_view user_id);

  // One page of users in (signed_up_at, id) order. Returns
  // INVALID_ARGUMENT for a limit outside 1..1000, a malformed cursor, or a
  // cursor made for the other direction.
  absl::StatusOr<UserPage> List(std::string_view project_id,
                                const UserListQuery& query);

  // How many users the project has (anonymous ones included or not).
  absl::StatusOr<int64_t> Count(std::string_view project_id,
                                bool include_anonymous);

 private:
  absl::StatusOr<UserView> GetOne(std::string_view sql,
                                  std::initializer_list<SqlParam> params,
                                  std::string_view what, std::string_view id);

  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_USER_REPOSITORY_H_
