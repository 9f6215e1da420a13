#ifndef SERVICE_CORE_API_KEY_SETS_H_
#define SERVICE_CORE_API_KEY_SETS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "service/core/project_directory.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// What CreateApiKeySet asks for.
struct NewApiKeySetInput {
  std::string project_id;
  std::string description;
  // Must be after now (in whole milliseconds).
  absl::Time expires_at;
  // Which keys the set holds; at least one.
  bool publishable_client_key = false;
  bool secret_server_key = false;
  bool super_secret_admin_key = false;
};

// A new key set: its stored form and the keys themselves, which exist only
// here (storage keeps crypto::HashToken of each and its last four
// characters).
struct CreatedApiKeys {
  storage::ApiKeySetRecord set;
  std::optional<std::string> publishable_client_key;
  std::optional<std::string> secret_server_key;
  std::optional<std::string> super_secret_admin_key;
};

// What UpdateApiKeySet changes; unset members stay as they are.
struct ApiKeySetChanges {
  std::optional<std::string> description;
  // Only true is allowed: revoking cannot be undone.
  std::optional<bool> revoked;
};

// A project's API key sets. Keys are "pck_" / "ssk_" / "sak_" +
// crypto::RandomToken() (45 characters). Errors: SCHEMA_ERROR for a bad
// input, API_KEY_NOT_FOUND for a set the project does not have, the
// database's otherwise. Thread-safe; every member must outlive it.
class ApiKeySets {
 public:
  // Changes go through `directory`'s database, and each one drops the
  // keys the directory remembers for the project, so a revocation takes
  // effect in this process at once.
  ApiKeySets(ProjectDirectory& directory, const common::Clock& clock)
      : directory_(directory), database_(directory.database()), clock_(clock) {}

  absl::StatusOr<CreatedApiKeys> Create(const NewApiKeySetInput& input) const;

  // Newest first.
  absl::StatusOr<std::vector<storage::ApiKeySetRecord>> List(
      const std::string& project_id) const;

  absl::StatusOr<storage::ApiKeySetRecord> Get(const std::string& project_id,
                                               const std::string& id) const;

  // Revoking twice keeps the first time. Returns the set as of then.
  absl::StatusOr<storage::ApiKeySetRecord> Update(
      const std::string& project_id, const std::string& id,
      const ApiKeySetChanges& changes) const;

 private:
  ProjectDirectory& directory_;
  storage::Database& database_;
  const common::Clock& clock_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_API_KEY_SETS_H_
