#include "storage/migrator.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"

namespace latchkey::storage {
namespace {

// Same text for both dialects; created before any numbered migration so the
// version can be read on a database of any age.
constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at_us BIGINT NOT NULL)";

}  // namespace

absl::Status ValidateMigrations(absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InternalError(absl::StrCat("migration #", i, " has version ",
                                              migrations[i].version,
                                              "; expected ", i + 1));
    }
    if (migrations[i].script.empty()) {
      return absl::InternalError(
          absl::StrCat("migration ", migrations[i].version, " is empty"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> CurrentSchemaVersion(SqlExecutor& executor) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      executor.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_version",
                       {}));
  if (result.rows.empty()) return 0;
  return static_cast<int>(result.rows[0].Int(0));
}

absl::Status ApplyMigrations(
    SqlExecutor& executor, absl::Span<const Migration> migrations,
    absl::FunctionRef<absl::Status(std::string_view script)> run_script,
    absl::Time now) {
  LATCHKEY_RETURN_IF_ERROR(ValidateMigrations(migrations));
  LATCHKEY_RETURN_IF_ERROR(run_script(kCreateVersionTable));
  LATCHKEY_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(executor));
  const int newest = static_cast<int>(migrations.size());
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database schema is at version ", current,
        ", newer than this binary knows (", newest,
        "); run a latchkeyd at least as new as the one that migrated it"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    absl::Status status = run_script(migration.script);
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("migration ", migration.version, " (",
                                       common::Absl(migration.description),
                                       ") failed: ", status.message()));
    }
    LATCHKEY_RETURN_IF_ERROR(
        executor
            .Execute("INSERT INTO schema_version (version, description, "
                     "applied_at_us) VALUES ($1, $2, $3)",
                     {migration.version, migration.description, now})
            .status());
  }
  return absl::OkStatus();
}

}  // namespace latchkey::storage
