#include "storage/sqlite/sqlite_connection.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/errors.h"
#include "storage/sqlite/migrations.h"

namespace latchkey::storage::sqlite {
namespace {

constexpr std::string_view kUniquePrefix = "UNIQUE constraint failed: ";

absl::Status OpenError(const std::string& path, std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot open SQLite database at '", path, "': ", common::Absl(why)));
}

// The database holds password hashes, token hashes and sealed secrets: only
// the server's own user may read it, whatever the umask.
constexpr mode_t kPrivateFileMode = 0600;

// Creates the database file owner-only before SQLite sees it. SQLite would
// create it with 0644 less the umask, and then gives the -wal and -shm files
// the main file's permissions; created 0600 here, all three stay private.
// Best effort: when this fails (missing directory, a "file:" URI), SQLite
// reports the real error and TightenExisting() below still applies.
void CreatePrivately(const std::string& path) {
  if (path.starts_with("file:")) return;
  const int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kPrivateFileMode);
  if (fd >= 0) ::close(fd);
}

// Removes group and other permissions from `file` if it exists (a database
// created by an older version, or -wal/-shm files a crash left behind).
// FAILED_PRECONDITION when they cannot be removed (the server does not own
// the file): refusing to start beats serving from a readable file.
absl::Status TightenExisting(const std::string& file) {
  struct stat info;
  if (::stat(file.c_str(), &info) != 0) return absl::OkStatus();
  if ((info.st_mode & 077) == 0) return absl::OkStatus();
  if (::chmod(file.c_str(), info.st_mode & 0700) != 0) {
    const int error = errno;
    return absl::FailedPreconditionError(absl::StrCat(
        "'", file, "' is readable by other users and its permissions cannot ",
        "be narrowed (", std::strerror(error), "); run chmod 600 on it"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqliteError(int extended_code, std::string_view message) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: {
      std::string_view columns = message;
      if (columns.starts_with(kUniquePrefix)) {
        columns.remove_prefix(kUniquePrefix.size());
      }
      return UniqueViolationError(SqliteConstraintName(columns), message);
    }
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      // SQLite does not say which key; the repositories that can hit one
      // check the parent first where the caller needs to know.
      return ForeignKeyViolationError("(unnamed)", message);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return absl::InvalidArgumentError(common::Absl(message));
    default:
      break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return RetryableConflictError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(common::Absl(message));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::FailedPreconditionError(common::Absl(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(common::Absl(message));
    case SQLITE_INTERRUPT:
      return absl::CancelledError(common::Absl(message));
    default:
      return absl::InternalError(absl::StrCat("SQLite error ", extended_code,
                                              ": ", common::Absl(message)));
  }
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, absl::Duration busy_timeout) {
  CreatePrivately(path);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return OpenError(path, why);
  }
  auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
  // By the file's real name, so "file:" URIs are covered too.
  if (const char* file = sqlite3_db_filename(db, "main");
      file != nullptr && *file != '\0') {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      if (absl::Status tightened = TightenExisting(absl::StrCat(file, suffix));
          !tightened.ok()) {
        return OpenError(path, std::string(tightened.message()));
      }
    }
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(
      db, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  // Opening is lazy: these pragmas are the first reads, so an unreadable or
  // foreign file fails here, where the path can still be named.
  // synchronous=NORMAL is durable enough under WAL (a power cut may lose the
  // last commits, never corrupt) and much faster than FULL.
  absl::Status status = conn->ExecScript(
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  if (!status.ok()) return OpenError(path, std::string(status.message()));
  absl::StatusOr<SqlResult> mode =
      conn->Execute("PRAGMA journal_mode = WAL", {});
  if (!mode.ok()) return OpenError(path, std::string(mode.status().message()));
  if (mode->rows.empty() || mode->rows[0].Text(0) != "wal") {
    return OpenError(path, "the file system does not support WAL mode");
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::StatusOr<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  auto it = statements_.find(common::Absl(sql));
  if (it != statements_.end()) return it->second;
  const std::string rewritten = RewritePlaceholdersForSqlite(sql);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, rewritten.data(),
                                    static_cast<int>(rewritten.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
  }
  if (stmt == nullptr) return absl::InternalError("empty SQL statement");
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

absl::StatusOr<SqlResult> SqliteConnection::Execute(
    std::string_view sql, absl::Span<const SqlParam> params) {
  LATCHKEY_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
  // Leaves the cached statement reusable however this call ends.
  struct Resetter {
    sqlite3_stmt* stmt;
    ~Resetter() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  } resetter{stmt};

  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return absl::InternalError(absl::StrCat(
        "statement expects ", sqlite3_bind_parameter_count(stmt),
        " parameters, got ", params.size(), ": ", common::Absl(sql)));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const SqlParam& p = params[i];
    int rc = SQLITE_OK;
    switch (p.kind()) {
      case SqlParam::Kind::kNull:
        rc = sqlite3_bind_null(stmt, index);
        break;
      case SqlParam::Kind::kInt:
      case SqlParam::Kind::kBool:
        rc = sqlite3_bind_int64(stmt, index, p.int_value());
        break;
      case SqlParam::Kind::kText:
        rc =
            sqlite3_bind_text(stmt, index, p.text().data(),
                              static_cast<int>(p.text().size()), SQLITE_STATIC);
        break;
      case SqlParam::Kind::kBytes:
        rc =
            sqlite3_bind_blob(stmt, index, p.text().data(),
                              static_cast<int>(p.text().size()), SQLITE_STATIC);
        break;
    }
    if (rc != SQLITE_OK) {
      return SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
    }
  }

  SqlResult result;
  const int columns = sqlite3_column_count(stmt);
  while (true) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      return SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
    }
    std::vector<std::optional<std::string>> cells;
    cells.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          cells.emplace_back(std::nullopt);
          break;
        case SQLITE_BLOB: {
          const void* data = sqlite3_column_blob(stmt, c);
          const int size = sqlite3_column_bytes(stmt, c);
          cells.emplace_back(std::string(static_cast<const char*>(data), size));
          break;
        }
        default: {
          const unsigned char* text = sqlite3_column_text(stmt, c);
          const int size = sqlite3_column_bytes(stmt, c);
          cells.emplace_back(
              std::string(reinterpret_cast<const char*>(text), size));
          break;
        }
      }
    }
    result.rows.emplace_back(std::move(cells), /*hex_bytes=*/false);
  }
  if (!sqlite3_stmt_readonly(stmt))
    result.affected_rows = sqlite3_changes64(db_);
  return result;
}

absl::Status SqliteConnection::ExecScript(std::string_view script) {
  const std::string text(script);
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return SqliteError(sqlite3_extended_errcode(db_), message);
}

}  // namespace latchkey::storage::sqlite
