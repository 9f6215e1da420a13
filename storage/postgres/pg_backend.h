#ifndef STORAGE_POSTGRES_PG_BACKEND_H_
#define STORAGE_POSTGRES_PG_BACKEND_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/database_options.h"

namespace latchkey::storage::postgres {

// Connects to the PostgreSQL server `url` names (a libpq URI), migrates the
// schema under a transaction-scoped advisory lock (so concurrent starts
// apply each migration once), and returns a thread-safe backend over a
// bounded connection pool. Transactions run REPEATABLE READ or SERIALIZABLE
// (see Isolation); their conflicts come back as retryable ABORTED. Connections
// that died (server restart) are noticed before reuse and replaced, so the
// backend recovers by itself once the server is back.
// Returns INVALID_ARGUMENT for a malformed URI, UNAVAILABLE when the server
// cannot be reached, FAILED_PRECONDITION when the schema is newer than this
// binary.
absl::StatusOr<std::unique_ptr<Backend>> OpenPostgresBackend(
    std::string_view url, const DatabaseOptions& options);

}  // namespace latchkey::storage::postgres

#endif  // STORAGE_POSTGRES_PG_BACKEND_H_
