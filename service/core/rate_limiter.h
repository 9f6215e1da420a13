#ifndef SERVICE_CORE_RATE_LIMITER_H_
#define SERVICE_CORE_RATE_LIMITER_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
// limited ("sign_in_account:<email>", "sign_up_ip:<ip>"); callers build
// them only from bounded strings (a normalized email, a user id, a parsed
// client address). Counters of ended windows are swept at most once a
// minute, so the table holds only live windows. Thread-safe.
class RateLimiter {
 public:
  // How much looser the per-account ceiling of ConsumeGuess is than its
  // per-(account, address) limit: 10 x the default 10 sign-ins is 100 per
  // 15 minutes, the most NIST SP 800-63B (5.2.2) allows in a row against
  // one account, and an attacker needs ten addresses' full budgets to
  // reach it.
  static constexpr int kAccountCeilingFactor = 10;

  RateLimiter(storage::Database& database, const common::Clock& clock)
      : database_(database), clock_(clock) {}

  // Counts one event. OK while the window holds at most `limit.limit`
  // events; then RATE_LIMITED (api_error.h; HTTP 429 with Retry-After) with
  // retry_after_seconds until the window ends. The database's error
  // otherwise: callers must fail closed on it.
  absl::Status Consume(absl::string_view project_id, absl::string_view key,
                       const identity::v1::RateLimit& limit) const;

  // Consume for hot keys (one session's refreshes): this replica takes a
  // block of the window's budget from the database with one write
  // (limit / 20, between 1 and kMaxBlock events) and hands it out from
  // memory until it is used up. Never looser than Consume: a block counts
  // as used in the database as soon as it is taken, so what this replica
  // holds unused (at most a block less one per key, dropped when the window
  // ends) only makes the limit stricter for the others. The in-memory
  // blocks are bounded (kMaxBlocks keys); past that, events are counted
  // one by one as Consume does.
  absl::Status ConsumeInBlocks(absl::string_view project_id,
                               absl::string_view key,
                               const identity::v1::RateLimit& limit) const;
  static constexpr int64_t kMaxBlock = 64;
  static constexpr size_t kMaxBlocks = 10'000;

  // A paced limit: the first `free_attempts` events of a window pass as
  // they come; each later one must come at least 1, 2, 4, ... seconds
  // (doubling, each at most `max_spacing`) after the previous event this
  // key let through, else RATE_LIMITED until then. At most `limit.limit`
  // events pass per window; then RATE_LIMITED until the window ends (never
  // longer). Refused events change nothing: neither the count nor the
  // spacing, so a client that waits as told gets in on time, and hammering
  // does not buy a longer wait for anyone.
  absl::Status ConsumeWithBackoff(
      absl::string_view project_id, absl::string_view key,
      const identity::v1::RateLimit& limit, int free_attempts = 3,
      absl::Duration max_spacing = absl::Seconds(60)) const;

  // Guesses at one account's secret (a password, a TOTP code). Paced and
  // limited per (account, client address) by `per_address`
  // (ConsumeWithBackoff), so one address's failures slow and stop only that
  // address: the owner elsewhere still gets in. Guesses that pass are also
  // counted against a per-account ceiling of kAccountCeilingFactor x
  // `per_address.limit` per window, so guessing spread over many addresses
  // still stops. The ceiling is counted second so that an address's
  // refused guesses never use it up. `account_key` names the account
  // ("sign_in_account:<email>"); `client_ip` is CallContext::client_ip().
  absl::Status ConsumeGuess(absl::string_view project_id,
                            absl::string_view account_key,
                            absl::string_view client_ip,
                            const identity::v1::RateLimit& per_address) const;

  // Refusals since start by limit (for metrics): the limit is the key's
  // prefix before ':' ("sign_in_account"); a guess refused for its address
  // is "<account prefix>_per_address". At most kMaxLimitNames names, then
  // "other".
  std::vector<std::pair<std::string, uint64_t>> refusals() const;
  static constexpr size_t kMaxLimitNames = 64;

 private:
  // Counts `status` against the limit `key` belongs to when it is a
  // RATE_LIMITED refusal; returns it unchanged.
  absl::Status Counted(absl::string_view key, absl::Status status) const;

  struct Window {
    absl::Time start;
    absl::Time end;
  };
  Window WindowAt(absl::Time now, const identity::v1::RateLimit& limit) const;

  // Deletes counters of ended windows, at most once a minute per process.
  void MaybeSweep(absl::Time now) const;

  // Adds `hits` to the database counter of `key` in `window`; the count
  // including them.
  absl::StatusOr<int64_t> Add(absl::string_view project_id,
                              absl::string_view key, const Window& window,
                              int64_t hits) const;

  // What ConsumeInBlocks holds of one key's budget in one window.
  struct Block {
    absl::Time window_start;
    int64_t left = 0;
  };

  storage::Database& database_;
  const common::Clock& clock_;
  mutable std::atomic<int64_t> next_sweep_unix_seconds_{0};
  mutable std::mutex refusals_mutex_;
  mutable absl::flat_hash_map<std::string, uint64_t> refusals_;
  mutable std::mutex blocks_mutex_;
  // Keyed by project id, '\0', key.
  mutable absl::flat_hash_map<std::string, Block> blocks_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_RATE_LIMITER_H_
