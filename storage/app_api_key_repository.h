#ifndef STORAGE_APP_API_KEY_REPOSITORY_H_
#define STORAGE_APP_API_KEY_REPOSITORY_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// User and team API keys, stored as a hash plus the last four characters.
// Bound to one connection for one Database callback; not thread-safe.
class AppApiKeyRepository {
 public:
  explicit AppApiKeyRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the key. ALREADY_EXISTS (app_api_keys_pkey or
  // app_api_keys_hash_unique), NOT_FOUND (project, user or team).
  absl::Status Create(const AppApiKeyRecord& key);

  // The key, or NOT_FOUND.
  absl::StatusOr<AppApiKeyRecord> Get(std::string_view project_id,
                                      std::string_view key_id);

  // A user's keys or a team's keys, newest first (revoked and expired
  // included).
  absl::StatusOr<std::vector<AppApiKeyRecord>> ListForUser(
      std::string_view project_id, std::string_view user_id);
  absl::StatusOr<std::vector<AppApiKeyRecord>> ListForTeam(
      std::string_view project_id, std::string_view team_id);

  // The project's key with this hash, whatever its owner, expiry or
  // revocation (the caller decides), or NOT_FOUND. The hash is not echoed.
  absl::StatusOr<AppApiKeyRecord> FindByHash(std::string_view project_id,
                                             std::string_view key_hash);

  // Changes the description. NOT_FOUND.
  absl::Status UpdateDescription(std::string_view project_id,
                                 std::string_view key_id,
                                 std::string_view description);

  // Sets or clears the expiry. NOT_FOUND.
  absl::Status UpdateExpiry(std::string_view project_id,
                            std::string_view key_id,
                            std::optional<absl::Time> expires_at);

  // Revokes the key at `at`; revoking again keeps the first time. NOT_FOUND.
  absl::Status Revoke(std::string_view project_id, std::string_view key_id,
                      absl::Time at);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_APP_API_KEY_REPOSITORY_H_
