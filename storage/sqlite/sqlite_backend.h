#ifndef STORAGE_SQLITE_SQLITE_BACKEND_H_
#define STORAGE_SQLITE_SQLITE_BACKEND_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/database_options.h"

namespace latchkey::storage::sqlite {

// Opens the SQLite file at `path` (created when missing), migrates it, and
// returns a thread-safe backend over a bounded pool of connections. Write
// transactions start with BEGIN IMMEDIATE so that two writers queue on the
// database lock (busy timeout) instead of deadlocking on a lock upgrade;
// that same lock makes concurrent migrations from two processes apply once.
// Returns INVALID_ARGUMENT for an empty path or ":memory:" (each pooled
// connection would see its own database), FAILED_PRECONDITION naming the
// path when it cannot be opened or its schema is newer than this binary.
absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(
    std::string_view path, const DatabaseOptions& options);

}  // namespace latchkey::storage::sqlite

#endif  // STORAGE_SQLITE_SQLITE_BACKEND_H_
