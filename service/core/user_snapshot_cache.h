#ifndef SERVICE_CORE_USER_SNAPSHOT_CACHE_H_
#define SERVICE_CORE_USER_SNAPSHOT_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "service/core/cache_stats.h"
#include "service/core/user_details.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Recently read users, for GET /users/me, which apps call on every page
// load. An entry is served only while
//   - no write of this process has happened since it was read: entries
//     carry storage::Database::write_generation() as it was before the
//     read, and any Run or RunInTransaction that wrote moves it (so this
//     process never serves a user older than its own last write, whatever
//     the write touched), and
//   - it is younger than max_age: writes by another process (a second
//     replica, an operator's SQL) are seen after max_age at the latest.
// Bounded in entries and bytes (least recently used go first). A cached
// copy keeps no sealed OAuth tokens (the user's view never shows them).
// Thread-safe.
class UserSnapshotCache {
 public:
  struct Options {
    size_t max_entries = 10000;
    size_t max_bytes = 16 << 20;
    // 0 turns the cache off.
    absl::Duration max_age = absl::Seconds(1);
  };

  explicit UserSnapshotCache(Options options) : options_(options) {}

  bool enabled() const {
    return options_.max_entries > 0 && options_.max_bytes > 0 &&
           options_.max_age > absl::ZeroDuration();
  }

  // The entry for this user if it was read at `generation` and is younger
  // than max_age at `now`; nullptr otherwise (a stale entry is dropped).
  std::shared_ptr<const UserDetails> Find(std::string_view project_id,
                                          std::string_view user_id,
                                          uint64_t generation,
                                          absl::Time now) const;

  // Keeps `details`, read after `generation` was observed, from `now`,
  // without its sealed OAuth tokens, and returns that shared copy (also
  // when it is not kept: cache off, too large, or a newer read won).
  std::shared_ptr<const UserDetails> Insert(std::string_view project_id,
                                            std::string_view user_id,
                                            uint64_t generation, absl::Time now,
                                            UserDetails details);

  using Stats = CacheStats;
  Stats stats() const;

 private:
  struct Entry {
    std::string key;
    uint64_t generation = 0;
    absl::Time stored_at;
    std::shared_ptr<const UserDetails> details;
    size_t bytes = 0;
  };
  using Lru = std::list<Entry>;  // Most recently used first.

  static std::string KeyOf(std::string_view project_id,
                           std::string_view user_id);
  void EraseLocked(Lru::iterator it) const;

  const Options options_;
  mutable std::mutex mu_;
  mutable Lru lru_;
  mutable absl::flat_hash_map<std::string, Lru::iterator> index_;
  mutable size_t bytes_ = 0;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

// User `user_id` of `project_id` with its details, from `cache` when it
// holds a valid entry, else read from `database` (LoadUserDetails) and
// kept. The same errors as LoadUserDetails; errors are never cached.
absl::StatusOr<std::shared_ptr<const UserDetails>> LoadUserDetailsCached(
    storage::Database& database, UserSnapshotCache& cache,
    const common::Clock& clock, const std::string& project_id,
    const std::string& user_id);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_SNAPSHOT_CACHE_H_
