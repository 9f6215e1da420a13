#ifndef STORAGE_RATE_LIMIT_REPOSITORY_H_
#define STORAGE_RATE_LIMIT_REPOSITORY_H_

#include <cstdint>
#include <optional>
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

  // Adds `hits` (one unless told) to the counter of (project, key) for the
  // window starting at `window_start` and lasting `window`, and returns the
  // count including them. Atomic: concurrent callers each see a distinct
  // count, so exactly `limit` single hits see a value <= limit. Needs no
  // transaction. Returns INVALID_ARGUMENT for a window or a number of hits
  // that is not positive.
  absl::StatusOr<int64_t> IncrementAndGet(std::string_view project_id,
                                          std::string_view key,
                                          absl::Time window_start,
                                          absl::Duration window,
                                          int64_t hits = 1);

  // A paced counter's state in one window: the events it allowed, and when
  // it allowed the last one (absent for a counter only IncrementAndGet
  // touched). A counter that does not exist reads as no events.
  struct PacedState {
    int64_t hits = 0;
    std::optional<absl::Time> last_hit;
  };
  absl::StatusOr<PacedState> GetPaced(std::string_view project_id,
                                      std::string_view key,
                                      absl::Time window_start);

  // Compare-and-set for paced limits (the caller decides from GetPaced
  // whether an event may pass): counts one event at `now` only if the
  // counter still holds `expected_hits`, and returns whether it did. False
  // means a concurrent caller counted first: read again and decide again.
  // One statement, atomic in both engines; needs no transaction.
  // INVALID_ARGUMENT for a window that is not positive.
  absl::StatusOr<bool> IncrementIfUnchanged(std::string_view project_id,
                                            std::string_view key,
                                            absl::Time window_start,
                                            absl::Duration window,
                                            int64_t expected_hits,
                                            absl::Time now);

  // Deletes counters whose window ended at or before `now`; returns how
  // many.
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_RATE_LIMIT_REPOSITORY_H_
