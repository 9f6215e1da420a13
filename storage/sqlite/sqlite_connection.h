#ifndef STORAGE_SQLITE_SQLITE_CONNECTION_H_
#define STORAGE_SQLITE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/sql.h"

namespace latchkey::storage::sqlite {

// One SQLite connection with its own cache of prepared statements, set up
// the way the storage layer needs it: WAL, foreign keys on, a busy timeout,
// extended result codes. Not thread-safe: one thread uses it at a time (the
// pool hands it out), which is also why it is opened without SQLite's own
// per-connection mutex.
class SqliteConnection final : public SqlExecutor {
 public:
  // Opens (creating when missing) the database file at `path`. Returns
  // FAILED_PRECONDITION naming the path when it cannot be created, opened
  // or read as a database.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, absl::Duration busy_timeout);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override;

  using SqlExecutor::Execute;
  Dialect dialect() const override { return Dialect::kSqlite; }
  absl::StatusOr<SqlResult> Execute(std::string_view sql,
                                    absl::Span<const SqlParam> params) override;

  // Runs a multi-statement script without parameters (migrations).
  absl::Status ExecScript(std::string_view script);

  // True while a transaction is open on this connection.
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  absl::StatusOr<sqlite3_stmt*> Prepare(std::string_view sql);

  sqlite3* db_;
  // Keyed by the SQL as the repositories wrote it (before rewriting).
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

// Maps an SQLite result code to the storage layer's canonical status (see
// SqlExecutor::Execute); `message` is sqlite3_errmsg's text.
absl::Status SqliteError(int extended_code, std::string_view message);

}  // namespace latchkey::storage::sqlite

#endif  // STORAGE_SQLITE_SQLITE_CONNECTION_H_
