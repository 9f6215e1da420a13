#ifndef STORAGE_DATABASE_H_
#define STORAGE_DATABASE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/database_options.h"
#include "storage/repositories.h"

// The entry point of the storage layer: open a database by URL, check its
// health, and run repository calls in or out of a transaction. Services see
// repositories and records, never SQL.
namespace latchkey::storage {

// An open database. Thread-safe: share one instance across the server.
// Inside a common::NonBlockingScope every Run* call fails UNAVAILABLE at
// once, without a connection, and marks the scope refused.
class Database {
 public:
  // Use OpenDatabase(); this wraps an already migrated backend.
  Database(std::unique_ptr<Backend> backend, DatabaseOptions options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // OK when the database answers a trivial query; UNAVAILABLE when it
  // cannot be reached (e.g. PostgreSQL is down). Never blocks longer than
  // the connect timeout. Drives the server's gRPC health status.
  absl::Status Ping();

  // "sqlite" or "postgres".
  std::string_view backend_name() const;

  // Runs `fn` in one read-write transaction: commits when it returns OK,
  // rolls back when it returns an error (nothing it wrote remains). When
  // the database reports a retryable conflict (SQLITE_BUSY, PostgreSQL
  // serialization failure, concurrent update or deadlock), rolls back and
  // calls `fn` again,
  // up to max_transaction_attempts times, so `fn` must not have effects
  // outside the database (or must tolerate repeating them). Returns fn's
  // error, or ABORTED when conflicts outlast the attempts, or UNAVAILABLE
  // when the database is unreachable (also when the connection drops
  // during COMMIT: the outcome is then unknown, and it is not retried).
  // Do not keep using the repositories after one of their calls failed
  // inside `fn`: return the error (PostgreSQL aborts the transaction).
  // Runs with Isolation::kSnapshot (see storage/backend.h).
  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Repositories&)> fn);

  // The same, with the isolation chosen: kSerializable for check-then-act
  // invariants that no constraint expresses.
  absl::Status RunInTransaction(
      Isolation isolation, absl::FunctionRef<absl::Status(Repositories&)> fn);

  // Runs `fn` on one connection without a transaction: each repository
  // call commits on its own. For single reads and single writes on hot
  // paths (session lookup), where BEGIN/COMMIT would be pure overhead.
  // Never retried. Returns fn's status.
  absl::Status Run(absl::FunctionRef<absl::Status(Repositories&)> fn);

  // Like Run, for writes a crash may lose without harm (rate-limit
  // counters, which are only ever an approximate defence): on PostgreSQL
  // their commit does not wait for the write-ahead log to reach disk
  // (synchronous_commit off for that transaction alone), which is most of
  // a durable write's cost; a crash of the database server can lose the
  // last fraction of a second of them. They are visible to every other
  // connection at once, as any commit. Never use it for data a caller is
  // told was saved.
  absl::Status RunLossTolerant(
      absl::FunctionRef<absl::Status(Repositories&)> fn);

  // For metrics: calls running now (each holds a connection), and since
  // start: calls made, calls that failed UNAVAILABLE (the database could not
  // be reached; failed pings included), transaction attempts rolled back on
  // a retryable conflict, and transactions given up (ABORTED).
  struct Stats {
    int64_t in_use = 0;
    uint64_t calls = 0;
    uint64_t unavailable = 0;
    uint64_t conflicts = 0;
    uint64_t gave_up = 0;
  };
  Stats stats() const;

  // Grows after every RunInTransaction and Run call of this process that
  // ran a statement other than a SELECT, once that call has returned (and
  // so committed). RunLossTolerant (rate-limit counters) does not count.
  // A cache of what reads returned stays valid while the generation it
  // saw before its read is still current: any write this process made
  // since, to any table, moves it. Writes by other processes (replicas,
  // an operator's SQL) do not; such a cache must also expire by age.
  uint64_t write_generation() const {
    return write_generation_.load(std::memory_order_seq_cst);
  }

 private:
  // Counts one call from start to end; returns its status unchanged.
  class CallCounter;
  // Forwards statements and notes whether any of them may write.
  class WriteNoticingExecutor;
  static absl::Status RunNoticingWrites(
      SqlExecutor& executor, absl::FunctionRef<absl::Status(Repositories&)> fn,
      bool& wrote);

  std::unique_ptr<Backend> backend_;
  DatabaseOptions options_;
  std::atomic<int64_t> in_use_{0};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> unavailable_{0};
  std::atomic<uint64_t> conflicts_{0};
  std::atomic<uint64_t> gave_up_{0};
  std::atomic<uint64_t> write_generation_{0};
};

// Opens the database `url` names and applies pending migrations:
//   sqlite:PATH (also sqlite://PATH) - a file, created when missing;
//   postgres://... or postgresql://... - a libpq connection URI.
// Returns INVALID_ARGUMENT for an unknown scheme, an empty path or a
// malformed URI; FAILED_PRECONDITION when the SQLite file cannot be created
// or opened (the message names the path) or the schema is newer than this
// binary; UNAVAILABLE when PostgreSQL cannot be reached. The URL's password
// never appears in errors.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(
    std::string_view url, const DatabaseOptions& options = {});

}  // namespace latchkey::storage

#endif  // STORAGE_DATABASE_H_
