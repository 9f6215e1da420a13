#include "storage/sqlite/sqlite_backend.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/connection_pool.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_connection.h"

namespace latchkey::storage::sqlite {
namespace {

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(std::string path, const DatabaseOptions& options)
      : path_(std::move(path)),
        pool_(
            [path = path_, busy = options.busy_timeout] {
              return SqliteConnection::Open(path, busy);
            },
            options.max_connections, options.pool_wait_timeout) {}

  // Runs the migrations on `conn` and then pools it.
  absl::Status Migrate(std::unique_ptr<SqliteConnection> conn, absl::Time now) {
    LATCHKEY_RETURN_IF_ERROR(conn->Execute("BEGIN IMMEDIATE", {}).status());
    absl::Status status = ApplyMigrations(
        *conn, SqliteMigrations(),
        [&](std::string_view script) { return conn->ExecScript(script); }, now);
    if (status.ok()) status = conn->Execute("COMMIT", {}).status();
    if (!status.ok()) {
      if (conn->InTransaction()) conn->Execute("ROLLBACK", {}).IgnoreError();
      return status;
    }
    pool_.Adopt(std::move(conn));
    return absl::OkStatus();
  }

  std::string_view name() const override { return "sqlite"; }

  absl::Status Ping() override {
    LATCHKEY_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    absl::Status status = conn->Execute("SELECT 1", {}).status();
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "SQLite database '", path_, "' does not answer: ", status.message()));
    }
    return absl::OkStatus();
  }

  absl::Status RunTransactionOnce(
      Isolation /*isolation*/,
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) override {
    LATCHKEY_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    // IMMEDIATE takes the write lock up front: a deferred transaction that
    // reads and then writes can fail with SQLITE_BUSY_SNAPSHOT mid-way.
    LATCHKEY_RETURN_IF_ERROR(conn->Execute("BEGIN IMMEDIATE", {}).status());
    absl::Status status = fn(*conn);
    if (status.ok()) {
      status = conn->Execute("COMMIT", {}).status();
      if (status.ok()) return status;
    }
    // Some errors (e.g. SQLITE_FULL) end the transaction by themselves.
    if (conn->InTransaction()) {
      if (!conn->Execute("ROLLBACK", {}).ok()) conn.Discard();
    }
    return status;
  }

  absl::Status RunAutocommit(
      absl::FunctionRef<absl::Status(SqlExecutor&)> fn) override {
    LATCHKEY_ASSIGN_OR_RETURN(auto conn, pool_.Acquire());
    absl::Status status = fn(*conn);
    if (conn->InTransaction()) {
      // fn opened a transaction by hand and left it open; do not leak it
      // into the next user of this connection.
      if (!conn->Execute("ROLLBACK", {}).ok()) conn.Discard();
    }
    return status;
  }

 private:
  const std::string path_;
  ConnectionPool<SqliteConnection> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(
    std::string_view path, const DatabaseOptions& options) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "the SQLite database URL names no file (expected sqlite:PATH)");
  }
  if (path == ":memory:" ||
      path.find("mode=memory") != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "in-memory SQLite databases are not supported ('", common::Absl(path),
        "'): each pooled connection would see a different database"));
  }
  const std::string file(path);
  LATCHKEY_ASSIGN_OR_RETURN(auto first,
                            SqliteConnection::Open(file, options.busy_timeout));
  auto backend = std::make_unique<SqliteBackend>(file, options);
  const common::Clock& clock =
      options.clock != nullptr ? *options.clock : common::Clock::Real();
  absl::Status status = backend->Migrate(std::move(first), clock.Now());
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("SQLite database '", file,
                                                    "': ", status.message()));
  }
  return backend;
}

}  // namespace latchkey::storage::sqlite
