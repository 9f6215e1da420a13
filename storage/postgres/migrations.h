#ifndef STORAGE_POSTGRES_MIGRATIONS_H_
#define STORAGE_POSTGRES_MIGRATIONS_H_

#include "absl/types/span.h"
#include "storage/migrator.h"

namespace latchkey::storage::postgres {

// The PostgreSQL schema as numbered migrations, oldest first; the same
// versions as SQLite's. Never edit one that has landed; append a new one.
absl::Span<const Migration> PostgresMigrations();

}  // namespace latchkey::storage::postgres

#endif  // STORAGE_POSTGRES_MIGRATIONS_H_
