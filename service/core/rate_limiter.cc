#include "service/core/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "service/api_error.h"

namespace latchkey::service::core {
namespace {

std::string_view Std(absl::string_view s) { return {s.data(), s.size()}; }

absl::Status Limited(absl::Time now, absl::Time until) {
  const int64_t seconds = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(until - now))));
  return ApiError(identity::v1::RATE_LIMITED,
                  {{"retry_after_seconds", std::to_string(seconds)}},
                  absl::StrCat("Too many attempts; try again in ", seconds,
                               " seconds."));
}

}  // namespace

absl::Status RateLimiter::Hit(absl::string_view project_id,
                              absl::string_view key, absl::Duration window,
                              int64_t* count, absl::Time* window_start,
                              absl::Time* window_end) const {
  const absl::Time now = clock_.Now();
  const int64_t window_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(window));
  const int64_t start = absl::ToUnixSeconds(now) / window_seconds * window_seconds;
  *window_start = absl::FromUnixSeconds(start);
  *window_end = *window_start + absl::Seconds(window_seconds);
  return database_.Run([&](storage::Repositories& repos) -> absl::Status {
    absl::StatusOr<int64_t> hits = repos.rate_limits().IncrementAndGet(
        Std(project_id), Std(key), *window_start, absl::Seconds(window_seconds));
    if (!hits.ok()) return hits.status();
    *count = *hits;
    return absl::OkStatus();
  });
}

absl::Status RateLimiter::Consume(absl::string_view project_id,
                                  absl::string_view key,
                                  const identity::v1::RateLimit& limit) const {
  int64_t count = 0;
  absl::Time window_start, window_end;
  if (absl::Status status = Hit(project_id, key,
                                absl::Seconds(limit.window_seconds()), &count,
                                &window_start, &window_end);
      !status.ok()) {
    return status;
  }
  if (count > limit.limit()) return Limited(clock_.Now(), window_end);
  return absl::OkStatus();
}

absl::Status RateLimiter::ConsumeWithBackoff(
    absl::string_view project_id, absl::string_view key,
    const identity::v1::RateLimit& limit, int free_attempts,
    absl::Duration max_spacing) const {
  int64_t count = 0;
  absl::Time window_start, window_end;
  if (absl::Status status = Hit(project_id, key,
                                absl::Seconds(limit.window_seconds()), &count,
                                &window_start, &window_end);
      !status.ok()) {
    return status;
  }
  const absl::Time now = clock_.Now();
  if (count > limit.limit()) return Limited(now, window_end);
  // The earliest moment this attempt may come, from the count alone (so
  // every replica agrees without more state).
  absl::Time earliest = window_start;
  for (int64_t k = 1; k <= count - free_attempts; ++k) {
    earliest += std::min(absl::Seconds(int64_t{1} << std::min<int64_t>(k - 1, 30)),
                         max_spacing);
  }
  if (now < earliest) return Limited(now, std::min(earliest, window_end));
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
