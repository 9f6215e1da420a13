#ifndef STORAGE_MIGRATOR_H_
#define STORAGE_MIGRATOR_H_

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/sql.h"

namespace latchkey::storage {

// One schema change, kept as data: never edited once it has landed; a new
// change gets the next number.
struct Migration {
  int version;
  std::string_view description;
  // One or more statements, without bound values.
  std::string_view script;
};

// Checks that `migrations` are numbered 1, 2, 3, ... in order. Returns
// INTERNAL otherwise (a programming error caught by the unit tests).
absl::Status ValidateMigrations(absl::Span<const Migration> migrations);

// Brings the schema up to the newest of `migrations`. The caller has opened
// a transaction on `executor` and holds the backend's migration lock, so
// concurrent starts apply each migration once. `run_script` executes a
// multi-statement script. Returns FAILED_PRECONDITION when the database
// records a version newer than the newest migration (a newer binary has
// run against it), or the first failing statement's error.
absl::Status ApplyMigrations(
    SqlExecutor& executor, absl::Span<const Migration> migrations,
    absl::FunctionRef<absl::Status(std::string_view script)> run_script,
    absl::Time now);

// The highest applied version, 0 for an empty database.
absl::StatusOr<int> CurrentSchemaVersion(SqlExecutor& executor);

}  // namespace latchkey::storage

#endif  // STORAGE_MIGRATOR_H_
