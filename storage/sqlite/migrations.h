#ifndef STORAGE_SQLITE_MIGRATIONS_H_
#define STORAGE_SQLITE_MIGRATIONS_H_

#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "storage/migrator.h"

namespace latchkey::storage::sqlite {

// The SQLite schema as numbered migrations, oldest first. Never edit one
// that has landed; append a new one.
absl::Span<const Migration> SqliteMigrations();

// SQLite reports a unique violation by its columns ("users.project_id,
// users.external_id"); this returns the constraint's name as PostgreSQL
// reports it, so both backends name constraints alike. Unknown column lists
// come back unchanged.
std::string SqliteConstraintName(std::string_view columns);

}  // namespace latchkey::storage::sqlite

#endif  // STORAGE_SQLITE_MIGRATIONS_H_
