#ifndef SERVICE_CORE_PROJECT_DIRECTORY_H_
#define SERVICE_CORE_PROJECT_DIRECTORY_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A project with its effective configuration, as of one read. Immutable.
struct ProjectSnapshot {
  storage::ProjectRecord project;
  identity::v1::ProjectConfig config;
  // Its OAuth provider settings, read with it: the project's shown
  // configuration lists them, and `GET /projects/current`, which every
  // client app calls when it loads, then needs no read of its own. Without
  // the sealed client secrets (sign-in reads those from the database).
  std::vector<storage::OAuthProviderRecord> oauth_providers;
};

// Reads projects for request authentication and every method, with a short
// per-process cache: a change made through another replica is seen within
// `cache_ttl` (2 s by default); a change made through this process is seen
// at once (Invalidate). API keys that checked out are remembered for the
// same `cache_ttl`, by their hash: a key revoked through this process stops
// working at once (Invalidate drops the project's keys), one revoked
// through another replica within `cache_ttl`, and an expired key at its
// expiry everywhere. Unknown or refused keys are never remembered.
// Thread-safe.
class ProjectDirectory {
 public:
  ProjectDirectory(storage::Database& database, const common::Clock& clock,
                   absl::Duration cache_ttl = absl::Seconds(2));

  // The project, or NOT_FOUND, or the database's error (UNAVAILABLE...).
  absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> Get(
      absl::string_view project_id);

  // Drops the cached copy and the remembered keys of the project after a
  // write (config, key sets, deletion).
  void Invalidate(absl::string_view project_id);

  // Whether `key` is a live key of `kind` for `project_id`: found by its
  // hash, compared again in constant time, not revoked, not expired.
  // Returns OK, NOT_FOUND (no such live key of this project), or the
  // database's error. A key that passed within `cache_ttl` passes again
  // without a database read, unless it has expired since.
  absl::Status VerifyKey(absl::string_view project_id, storage::ApiKeyKind kind,
                         absl::string_view key);

  // Whether the internal-project user `user_id` administers `project_id`
  // (is a member of its owner team). NOT_FOUND when not.
  absl::Status VerifyAdministrator(const ProjectSnapshot& project,
                                   absl::string_view user_id);

  storage::Database& database() { return database_; }
  const common::Clock& clock() const { return clock_; }

 private:
  struct Entry {
    std::shared_ptr<const ProjectSnapshot> snapshot;
    absl::Time fetched_at;
  };
  // A key that checked out, remembered by kind and hash.
  struct CheckedKey {
    std::string project_id;
    absl::Time expires_at;
    absl::Time checked_at;
  };
  absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> Load(
      const std::string& project_id);

  storage::Database& database_;
  const common::Clock& clock_;
  const absl::Duration cache_ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;
  std::unordered_map<std::string, CheckedKey> checked_keys_;
};

// The id of the project that administers all others.
inline constexpr absl::string_view kInternalProjectId = "internal";

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PROJECT_DIRECTORY_H_
