#ifndef SERVICE_CORE_RATE_LIMITER_H_
#define SERVICE_CORE_RATE_LIMITER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Abuse limits kept in the database, so that every replica behind a load
// balancer counts against one limit. Fixed windows aligned to the epoch
// (a window of W seconds starts at multiples of W). Keys name what is
// limited ("sign_in_account:<email>", "sign_up_ip:<ip>"). Thread-safe.
class RateLimiter {
 public:
  RateLimiter(storage::Database& database, const common::Clock& clock)
      : database_(database), clock_(clock) {}

  // Counts one event. OK while the window holds at most `limit.limit`
  // events; then RATE_LIMITED (api_error.h; HTTP 429 with Retry-After) with
  // retry_after_seconds until the window ends. The database's error
  // otherwise: callers must fail closed on it.
  absl::Status Consume(absl::string_view project_id, absl::string_view key,
                       const identity::v1::RateLimit& limit) const;

  // Consume, with growing back-off derived from the same counter: the first
  // `free_attempts` events of a window are unpaced; the k-th event after
  // them may come no earlier than 1 + 2 + ... + 2^(k-1) seconds (each step
  // capped at `max_spacing`) after the window began, else RATE_LIMITED
  // until then. Refused attempts still count, so an attacker's guesses slow
  // down, then stop until the window ends; never forever.
  absl::Status ConsumeWithBackoff(absl::string_view project_id,
                                  absl::string_view key,
                                  const identity::v1::RateLimit& limit,
                                  int free_attempts = 3,
                                  absl::Duration max_spacing = absl::Seconds(60)) const;

 private:
  // The count after this hit, and the window's bounds.
  absl::Status Hit(absl::string_view project_id, absl::string_view key,
                   absl::Duration window, int64_t* count,
                   absl::Time* window_start, absl::Time* window_end) const;

  storage::Database& database_;
  const common::Clock& clock_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_RATE_LIMITER_H_
