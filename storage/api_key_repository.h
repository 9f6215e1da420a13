#ifndef STORAGE_API_KEY_REPOSITORY_H_
#define STORAGE_API_KEY_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// API key sets; each key is stored only as its hash plus its last four
// characters. Bound to one connection for one Database callback; not
// thread-safe.
class ApiKeyRepository {
 public:
  explicit ApiKeyRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the set. Returns ALREADY_EXISTS (api_key_sets_pkey or one of
  // api_key_sets_{publishable,secret,admin}_unique), NOT_FOUND (project).
  absl::Status Create(const ApiKeySetRecord& key_set);

  // The set, or NOT_FOUND.
  absl::StatusOr<ApiKeySetRecord> Get(std::string_view project_id,
                                      std::string_view key_set_id);

  // The project's sets, oldest first (revoked and expired included).
  absl::StatusOr<std::vector<ApiKeySetRecord>> List(
      std::string_view project_id);

  // The set holding a key of `kind` with this hash, in any project, whatever
  // its expiry or revocation (the caller checks project and validity), or
  // NOT_FOUND. The hash is not echoed in errors.
  absl::StatusOr<ApiKeySetRecord> FindByKeyHash(ApiKeyKind kind,
                                                std::string_view key_hash);

  // Changes the description. NOT_FOUND.
  absl::Status UpdateDescription(std::string_view project_id,
                                 std::string_view key_set_id,
                                 std::string_view description);

  // Revokes the set at `at`; revoking again keeps the first time (it
  // cannot be undone). NOT_FOUND.
  absl::Status Revoke(std::string_view project_id, std::string_view key_set_id,
                      absl::Time at);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_API_KEY_REPOSITORY_H_
