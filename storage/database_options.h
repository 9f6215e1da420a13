#ifndef STORAGE_DATABASE_OPTIONS_H_
#define STORAGE_DATABASE_OPTIONS_H_

#include "absl/time/time.h"
#include "common/clock.h"

namespace latchkey::storage {

// Tuning knobs; the defaults suit the server. Plain value type.
struct DatabaseOptions {
  // Upper bound on open connections (both backends). SQLite readers run in
  // parallel under WAL; writers queue on the database lock.
  int max_connections = 8;
  // How long a caller waits for a free pooled connection before
  // UNAVAILABLE.
  absl::Duration pool_wait_timeout = absl::Seconds(10);
  // SQLite: how long a statement waits on another connection's write lock
  // before failing with ABORTED (retryable).
  absl::Duration busy_timeout = absl::Seconds(5);
  // PostgreSQL: connection attempt limit, and the server-side limit on one
  // statement (DEADLINE_EXCEEDED when hit).
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(10);
  // RunInTransaction attempts when a conflict is retryable (>= 1).
  int max_transaction_attempts = 5;
  // Stamps schema_version rows; null means the real clock.
  const common::Clock* clock = nullptr;
};

}  // namespace latchkey::storage

#endif  // STORAGE_DATABASE_OPTIONS_H_
