#include "storage/rate_limit_repository.h"

#include "common/status_macros.h"

namespace latchkey::storage {

absl::StatusOr<int64_t> RateLimitRepository::IncrementAndGet(
    std::string_view project_id, std::string_view key, absl::Time window_start,
    absl::Duration window, int64_t hits) {
  if (window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rate-limit window must be positive");
  }
  if (hits <= 0) {
    return absl::InvalidArgumentError("rate-limit hits must be positive");
  }
  // One statement: insert-or-increment and read back, atomic in both
  // engines (row lock in PostgreSQL, the write lock in SQLite).
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO rate_limit_counters (project_id, counter_key,"
          " window_start_us, hits, expires_at_us)"
          " VALUES ($1, $2, $3, $5, $4)"
          " ON CONFLICT (project_id, counter_key, window_start_us)"
          " DO UPDATE SET hits = rate_limit_counters.hits + $5"
          " RETURNING hits",
          {project_id, key, window_start, window_start + window, hits}));
  if (result.rows.empty()) {
    return absl::InternalError("rate-limit upsert returned no row");
  }
  return result.rows[0].Int(0);
}

absl::StatusOr<RateLimitRepository::PacedState> RateLimitRepository::GetPaced(
    std::string_view project_id, std::string_view key,
    absl::Time window_start) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT hits, last_hit_us FROM rate_limit_counters"
                  " WHERE project_id = $1 AND counter_key = $2"
                  " AND window_start_us = $3",
                  {project_id, key, window_start}));
  PacedState state;
  if (!result.rows.empty()) {
    state.hits = result.rows[0].Int(0);
    state.last_hit = result.rows[0].OptionalTime(1);
  }
  return state;
}

absl::StatusOr<bool> RateLimitRepository::IncrementIfUnchanged(
    std::string_view project_id, std::string_view key, absl::Time window_start,
    absl::Duration window, int64_t expected_hits, absl::Time now) {
  if (window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rate-limit window must be positive");
  }
  // The insert takes effect when no row exists (the caller read none, or
  // its window was swept meanwhile: one event either way); the update only
  // when the row still holds what the caller read. Otherwise no row comes
  // back, and the caller lost the race.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO rate_limit_counters (project_id, counter_key,"
                  " window_start_us, hits, expires_at_us, last_hit_us)"
                  " VALUES ($1, $2, $3, 1, $4, $5)"
                  " ON CONFLICT (project_id, counter_key, window_start_us)"
                  " DO UPDATE SET hits = rate_limit_counters.hits + 1,"
                  " last_hit_us = excluded.last_hit_us"
                  " WHERE rate_limit_counters.hits = $6"
                  " RETURNING hits",
                  {project_id, key, window_start, window_start + window, now,
                   expected_hits}));
  return !result.rows.empty();
}

absl::StatusOr<int64_t> RateLimitRepository::DeleteExpired(absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM rate_limit_counters WHERE expires_at_us <= $1",
                  {now}));
  return result.affected_rows;
}

}  // namespace latchkey::storage
