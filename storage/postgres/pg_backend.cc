#include "storage/postgres/pg_backend.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/connection_pool.h"
#include "storage/migrator.h"
#include "storage/postgres/migrations.h"
#include "storage/postgres/pg_connection.h"
#include "third_party/system/libpq_on_demand.h"

namespace latchkey::storage::postgres {
namespace {

using Pool = ConnectionPool<PgConnection>;

// Both halves of the advisory lock key: a constant for "latchkey
// migrations" and the schema, so databases sharing a server (one schema per
// test, say) do not wait on each other.
constexpr std::string_view kLockSql =
    "SELECT pg_advisory_xact_lock(1818588011, hashtext(current_schema()))";

class PgBackend final : public Backend {
 public:
  PgBackend(std::string url, std::string display_url,
            const DatabaseOptions& options)
      : url_(std::move(url)),
        display_url_(std::move(display_url)),
        max_connections_(options.max_connections),
        pool_(
            [this, connect = options.connect_timeout,
             statement = options.statement_timeout] {
              return PgConnection::Connect(url_, display_url_, connect,
                                           statement);
            },
            options.max_connections, options.pool_wait_timeout) {}

  absl::Status Migrate(absl::Time now) {
    LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease conn, AcquireHealthy());
    LATCHKEY_RETURN_IF_ERROR(conn->Execute("BEGIN", {}).status());
    absl::Status status = conn->Execute(kLockSql, {}).status();
    if (status.ok()) {
      status = ApplyMigrations(
          *conn, PostgresMigrations(),
          [&](std::string_view script) { return conn->ExecScript(script); },
          now);
    }
    if (status.ok()) status = conn->Execute("COMMIT", {}).status();
    if (!status.ok()) Rollback(conn);
    return status;
  }

  std::string_view name() const override { return "postgres"; }

  absl::Status Ping() override {
    absl::StatusOr<Pool::Lease> conn = AcquireHealthy();
    if (!conn.ok()) return AsUnavailable(conn.status());
    absl::Status status = (*conn)->Execute("SELECT 1", {}).status();
    if (!status.ok()) {
      if (!(*conn)->ok()) conn->Discard();
      return AsUnavailable(status);
    }
    return absl::OkStatus();
  }

  absl::Status RunTransactionOnce(
      Isolation isolation,
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) override {
    LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease conn, AcquireHealthy());
    absl::Status status = Begin(*conn, isolation);
    if (absl::IsUnavailable(status)) {
      // Nothing ran yet, so a connection that died unnoticed (between the
      // health check and BEGIN) can be swapped for a fresh one safely.
      conn.Discard();
      LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease fresh, AcquireHealthy());
      LATCHKEY_RETURN_IF_ERROR(Begin(*fresh, isolation));
      return Finish(fresh, fn(*fresh));
    }
    LATCHKEY_RETURN_IF_ERROR(status);
    return Finish(conn, fn(*conn));
  }

  absl::Status RunAutocommit(
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) override {
    LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease conn, AcquireHealthy());
    absl::Status status = fn(*conn);
    if (!conn->ok()) {
      conn.Discard();
    } else if (!conn->LooksReusable()) {
      Rollback(conn);  // fn left a transaction open by hand.
    }
    return status;
  }

  // One transaction with synchronous_commit off for itself alone: its
  // COMMIT returns before the WAL flush. READ COMMITTED, because the
  // statements run here are single atomic upserts that need no snapshot,
  // and so never fail with a serialization conflict.
  absl::Status RunLossTolerant(
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) override {
    LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease conn, AcquireHealthy());
    absl::Status status =
        conn->Execute("BEGIN ISOLATION LEVEL READ COMMITTED", {}).status();
    if (status.ok()) {
      status =
          conn->Execute("SET LOCAL synchronous_commit TO OFF", {}).status();
      if (!status.ok()) Rollback(conn);
    } else if (!conn->ok()) {
      conn.Discard();
    }
    if (!status.ok()) return status;
    return Finish(conn, fn(*conn));
  }

 private:
  static absl::Status Begin(PgConnection& conn, Isolation isolation) {
    return conn
        .Execute(isolation == Isolation::kSerializable
                     ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                     : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                 {})
        .status();
  }

  // Commits after `status` OK, else rolls back. Returns the first error.
  static absl::Status Finish(Pool::Lease& conn, absl::Status status) {
    if (status.ok()) {
      status = conn->Execute("COMMIT", {}).status();
      if (status.ok()) return status;
      if (absl::IsUnavailable(status)) {
        conn.Discard();
        return absl::UnavailableError(absl::StrCat(
            "connection lost during COMMIT; the transaction may or may not "
            "have been applied: ",
            status.message()));
      }
    }
    Rollback(conn);
    return status;
  }

  static void Rollback(Pool::Lease& conn) {
    if (!conn->ok() || !conn->Execute("ROLLBACK", {}).ok()) conn.Discard();
  }

  static absl::Status AsUnavailable(const absl::Status& status) {
    if (absl::IsUnavailable(status)) return status;
    return absl::UnavailableError(status.message());
  }

  // A pooled connection that still works, replacing dead ones: after a
  // server restart every idle connection is dead, and each is noticed here
  // by a non-blocking poll instead of failing a caller's first query.
  absl::StatusOr<Pool::Lease> AcquireHealthy() {
    // Bounded: fresh connections always pass, so the pool drains its dead
    // ones within max_connections tries.
    for (int attempt = 0;; ++attempt) {
      LATCHKEY_ASSIGN_OR_RETURN(Pool::Lease conn, pool_.Acquire());
      if (conn->LooksReusable() || attempt > max_connections_) return conn;
      conn.Discard();
    }
  }

  const std::string url_;
  const std::string display_url_;
  const int max_connections_;
  Pool pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> OpenPostgresBackend(
    std::string_view url, const DatabaseOptions& options) {
  if (absl::Status loaded = system::LoadLibpq(); !loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("PostgreSQL needs libpq: ", loaded.message()));
  }
  const std::string text(url);
  const std::string display = RedactPostgresUrl(url);
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "unparsable";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("malformed PostgreSQL URL ", display, ": ", why));
  }
  PQconninfoFree(parsed);
  auto backend = std::make_unique<PgBackend>(text, display, options);
  const common::Clock& clock =
      options.clock != nullptr ? *options.clock : common::Clock::Real();
  LATCHKEY_RETURN_IF_ERROR(backend->Migrate(clock.Now()));
  return backend;
}

}  // namespace latchkey::storage::postgres
