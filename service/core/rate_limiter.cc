#include "service/core/rate_limiter.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using common::Std;

absl::Status Limited(absl::Time now, absl::Time until) {
  const int64_t seconds = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(until - now))));
  return ApiError(identity::v1::RATE_LIMITED,
                  {{"retry_after_seconds", std::to_string(seconds)}},
                  absl::StrCat("Too many attempts; try again in ", seconds,
                               seconds == 1 ? " second." : " seconds."));
}

// The wait before the event after `allowed` events, given `free_attempts`
// unpaced ones: 0, then 1, 2, 4, ... s, each at most `max_spacing`.
absl::Duration Spacing(int64_t allowed, int free_attempts,
                       absl::Duration max_spacing) {
  if (allowed < free_attempts) return absl::ZeroDuration();
  const int64_t doublings = std::min<int64_t>(allowed - free_attempts, 30);
  return std::min(absl::Seconds(int64_t{1} << doublings), max_spacing);
}

// A paced limit whose compare-and-set keeps losing to concurrent callers
// of the same key is refused (fail closed) after this many reads.
constexpr int kPacedTries = 4;

}  // namespace

RateLimiter::Window RateLimiter::WindowAt(
    absl::Time now, const identity::v1::RateLimit& limit) const {
  const int64_t seconds = std::max<int64_t>(1, limit.window_seconds());
  const int64_t start = absl::ToUnixSeconds(now) / seconds * seconds;
  return {absl::FromUnixSeconds(start), absl::FromUnixSeconds(start + seconds)};
}

void RateLimiter::MaybeSweep(absl::Time now) const {
  const int64_t now_seconds = absl::ToUnixSeconds(now);
  int64_t due = next_sweep_unix_seconds_.load(std::memory_order_relaxed);
  if (now_seconds < due) return;
  // One caller per minute wins the sweep; the others go on at once.
  if (!next_sweep_unix_seconds_.compare_exchange_strong(
          due, now_seconds + 60, std::memory_order_relaxed)) {
    return;
  }
  // Without this the table would keep a row per key per window forever,
  // and keys come from clients (every email tried, every address). A
  // failure only leaves rows for the next sweep.
  database_
      .RunLossTolerant([&](storage::Repositories& repos) -> absl::Status {
        return repos.rate_limits().DeleteExpired(now).status();
      })
      .IgnoreError();
}

absl::StatusOr<int64_t> RateLimiter::Add(absl::string_view project_id,
                                         absl::string_view key,
                                         const Window& window,
                                         int64_t hits) const {
  int64_t count = 0;
  absl::Status status =
      // Counters are an approximate defence: losing the last instant of
      // them in a database crash is harmless, and not waiting for the
      // log flush is most of what a counted request costs on PostgreSQL.
      database_.RunLossTolerant(
          [&](storage::Repositories& repos) -> absl::Status {
            absl::StatusOr<int64_t> total = repos.rate_limits().IncrementAndGet(
                Std(project_id), Std(key), window.start,
                window.end - window.start, hits);
            if (!total.ok()) return total.status();
            count = *total;
            return absl::OkStatus();
          });
  if (!status.ok()) return status;
  return count;
}

absl::Status RateLimiter::Consume(absl::string_view project_id,
                                  absl::string_view key,
                                  const identity::v1::RateLimit& limit) const {
  const absl::Time now = clock_.Now();
  MaybeSweep(now);
  const Window window = WindowAt(now, limit);
  absl::StatusOr<int64_t> count = Add(project_id, key, window, 1);
  if (!count.ok()) return count.status();
  if (*count > limit.limit()) return Counted(key, Limited(now, window.end));
  return absl::OkStatus();
}

absl::Status RateLimiter::ConsumeInBlocks(
    absl::string_view project_id, absl::string_view key,
    const identity::v1::RateLimit& limit) const {
  const absl::Time now = clock_.Now();
  const Window window = WindowAt(now, limit);
  const std::string block_key = absl::StrCat(project_id, "\0", key);
  {
    std::lock_guard<std::mutex> lock(blocks_mutex_);
    auto it = blocks_.find(block_key);
    if (it != blocks_.end() && it->second.window_start == window.start &&
        it->second.left > 0) {
      --it->second.left;
      return absl::OkStatus();
    }
  }
  MaybeSweep(now);
  const int64_t block = std::clamp<int64_t>(limit.limit() / 20, 1, kMaxBlock);
  absl::StatusOr<int64_t> count = Add(project_id, key, window, block);
  if (!count.ok()) return count.status();
  // The part of the block inside the limit: all of it, some, or none.
  const int64_t granted = std::min(block, limit.limit() - (*count - block));
  if (granted <= 0) return Counted(key, Limited(now, window.end));
  if (granted > 1) {
    std::lock_guard<std::mutex> lock(blocks_mutex_);
    if (blocks_.size() >= kMaxBlocks) {
      // Blocks of ended windows are worth nothing; the rest are dropped
      // only when that is not enough (their events are simply lost, which
      // is the strict side).
      absl::erase_if(blocks_, [&](const auto& entry) {
        return entry.second.window_start != window.start;
      });
      if (blocks_.size() >= kMaxBlocks) blocks_.clear();
    }
    Block& held = blocks_[block_key];
    if (held.window_start != window.start) held = Block{window.start, 0};
    // This event takes one; a concurrent taker's remainder adds up.
    held.left += granted - 1;
  }
  return absl::OkStatus();
}

absl::Status RateLimiter::ConsumeWithBackoff(
    absl::string_view project_id, absl::string_view key,
    const identity::v1::RateLimit& limit, int free_attempts,
    absl::Duration max_spacing) const {
  const absl::Time now = clock_.Now();
  MaybeSweep(now);
  const Window window = WindowAt(now, limit);
  for (int attempt = 0; attempt < kPacedTries; ++attempt) {
    absl::StatusOr<storage::RateLimitRepository::PacedState> state;
    bool counted = false;
    std::optional<absl::Status> refused;
    absl::Status status = database_.RunLossTolerant(
        [&](storage::Repositories& repos) -> absl::Status {
          state = repos.rate_limits().GetPaced(Std(project_id), Std(key),
                                               window.start);
          if (!state.ok()) return state.status();
          if (state->hits >= limit.limit()) {
            refused = Limited(now, window.end);
            return absl::OkStatus();
          }
          // Paced from the last event let through, not from the window's
          // start: an old window must not let a burst through.
          if (state->last_hit.has_value()) {
            const absl::Time due =
                *state->last_hit +
                Spacing(state->hits, free_attempts, max_spacing);
            if (now < due) {
              refused = Limited(now, std::min(due, window.end));
              return absl::OkStatus();
            }
          }
          absl::StatusOr<bool> won = repos.rate_limits().IncrementIfUnchanged(
              Std(project_id), Std(key), window.start,
              window.end - window.start, state->hits, now);
          if (!won.ok()) return won.status();
          counted = *won;
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    if (refused.has_value()) return Counted(key, *refused);
    if (counted) return absl::OkStatus();
    // A concurrent event of this key came first: decide again on its state.
  }
  return Counted(key, Limited(now, now + absl::Seconds(1)));
}

absl::Status RateLimiter::ConsumeGuess(
    absl::string_view project_id, absl::string_view account_key,
    absl::string_view client_ip,
    const identity::v1::RateLimit& per_address) const {
  // '|' is in no address, so "<address>|<account>" names one pair only.
  if (absl::Status status = ConsumeWithBackoff(
          project_id, absl::StrCat("addr:", client_ip, "|", account_key),
          per_address);
      !status.ok()) {
    return status;
  }
  identity::v1::RateLimit ceiling = per_address;
  ceiling.set_limit(static_cast<int32_t>(std::min<int64_t>(
      int64_t{per_address.limit()} * kAccountCeilingFactor, INT32_MAX)));
  return Consume(project_id, account_key, ceiling);
}

absl::Status RateLimiter::Counted(absl::string_view key,
                                  absl::Status status) const {
  std::optional<ApiErrorView> error = ReadApiError(status);
  if (!error.has_value() || error->code != identity::v1::RATE_LIMITED) {
    return status;
  }
  // Keys are "<limit>:<what>", or "addr:<address>|<account key>" for the
  // per-address part of ConsumeGuess.
  std::string name;
  if (absl::StartsWith(key, "addr:")) {
    const size_t bar = key.find('|');
    if (bar != absl::string_view::npos) {
      const absl::string_view account = key.substr(bar + 1);
      name = absl::StrCat(account.substr(0, account.find(':')), "_per_address");
    }
  } else {
    name = std::string(key.substr(0, key.find(':')));
  }
  // Only a name made of [a-z_] is a code constant; anything else is
  // reported as "other" rather than trusted as a label value.
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
    name = "other";
  }
  std::lock_guard<std::mutex> lock(refusals_mutex_);
  if (!refusals_.contains(name) && refusals_.size() >= kMaxLimitNames) {
    name = "other";
  }
  ++refusals_[name];
  return status;
}

std::vector<std::pair<std::string, uint64_t>> RateLimiter::refusals() const {
  std::lock_guard<std::mutex> lock(refusals_mutex_);
  std::vector<std::pair<std::string, uint64_t>> out(refusals_.begin(),
                                                    refusals_.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace latchkey::service::core
