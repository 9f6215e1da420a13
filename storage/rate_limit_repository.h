#ifndef STORAGE_RATE_LIMIT_REPOSITORY_H_
#define STORAGE_RATE_LIMIT_REPOSITORY_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Fixed-window rate-limit counters in the database, so every replica
// counts against the same state. Keys are whatever the caller limits on
// ("sign_in_ip:203.0.113.7"). Bound to one connection for one Database
// callback; not thread-safe (the database makes increments atomic).
class RateLimitRepository {
 public:
  explicit RateLimitRepository(SqlExecutor& executor) : ex_(executor) {}

  // Adds one hit to the counter of (project, key) for the window starting
  // at `window_start` and lasting `window`, and returns the count including
  // this hit. Atomic: concurrent callers each see a distinct count, so
  // exactly `limit` of them see a value <= limit. Needs no transaction.
  // Returns INVALID_ARGUMENT for a window that is not positive.
  absl::StatusOr<int64_t> IncrementAndGet(std::string_view project_id,
                                          std::string_view key,
                                          absl::Time window_start,
                                          absl::Duration window);

  // Deletes counters whose window ended at or before `now`; returns how
  // many.
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_RATE_LIMIT_REPOSITORY_H_
