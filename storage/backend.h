#ifndef STORAGE_BACKEND_H_
#define STORAGE_BACKEND_H_

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "storage/sql.h"

namespace latchkey::storage {

// How strongly concurrent transactions are kept apart.
enum class Isolation {
  // Snapshot isolation (PostgreSQL REPEATABLE READ): a transaction sees one
  // snapshot, and two transactions writing the same row cannot both commit
  // (no lost updates). Two transactions that each read what the other then
  // writes to *different* rows can (write skew): guard such invariants with
  // unique constraints, conditional updates, or kSerializable. Does not
  // raise false conflicts between unrelated inserts, so it is the default.
  kSnapshot,
  // Full serializability (PostgreSQL SERIALIZABLE). Costs predicate locks
  // and occasional false conflicts (retried); for rare check-then-act
  // invariants such as "create the first administrator only once".
  kSerializable,
};

// What a database engine provides to the shared storage code: connections
// that run SQL, one transaction attempt at a time, and a health probe.
// Retrying, repositories and migrations' bookkeeping live above this seam.
// Implementations must be thread-safe: the server calls them from many
// threads at once.
class Backend {
 public:
  virtual ~Backend() = default;

  // "sqlite" or "postgres".
  virtual std::string_view name() const = 0;

  // OK when a trivial query round-trips; UNAVAILABLE when the database
  // cannot be reached.
  virtual absl::Status Ping() = 0;

  // Runs `fn` once inside a read-write transaction on one connection:
  // commits when it returns OK, rolls back otherwise. Returns fn's error,
  // or the commit's (ABORTED marked retryable for conflicts). SQLite runs
  // one writer at a time, which is serializable whatever `isolation` says.
  virtual absl::Status RunTransactionOnce(
      Isolation isolation,
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) = 0;

  // Runs `fn` on one connection without a transaction: every statement
  // commits on its own. Returns fn's status.
  virtual absl::Status RunAutocommit(
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) = 0;

  // Runs `fn` for writes whose loss in a crash does no harm (rate-limit
  // counters): their commit need not wait for the write to reach disk.
  // The statements `fn` runs must each be atomic on their own, as with
  // RunAutocommit; they may run inside one transaction. By default (SQLite,
  // whose WAL commits do not wait for a sync anyway) this is RunAutocommit.
  virtual absl::Status RunLossTolerant(
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) {
    return RunAutocommit(fn);
  }
};

}  // namespace latchkey::storage

#endif  // STORAGE_BACKEND_H_
