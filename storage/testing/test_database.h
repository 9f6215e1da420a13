#ifndef STORAGE_TESTING_TEST_DATABASE_H_
#define STORAGE_TESTING_TEST_DATABASE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// Throw-away databases for tests: a temporary SQLite file, or a fresh schema
// on the PostgreSQL server named by LATCHKEY_TEST_POSTGRES_URL, so tests
// (and test shards) never see each other's rows.
namespace latchkey::storage::testing {

enum class TestBackend { kSqlite, kPostgres };

std::string_view TestBackendName(TestBackend backend);

// A database URL that is empty until first opened, and gone (file removed,
// schema dropped) when this object is destroyed. Not thread-safe.
class ScratchDatabase {
 public:
  // Returns FAILED_PRECONDITION when kPostgres is asked for but
  // LATCHKEY_TEST_POSTGRES_URL is unset, UNAVAILABLE when that server
  // cannot be reached.
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create(
      TestBackend backend);

  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  ~ScratchDatabase();

  // The URL to pass to OpenDatabase.
  const std::string& url() const { return url_; }

 private:
  ScratchDatabase(TestBackend backend, std::string url, std::string cleanup)
      : backend_(backend), url_(std::move(url)), cleanup_(std::move(cleanup)) {}

  TestBackend backend_;
  std::string url_;
  // The file to delete (SQLite) or the schema to drop (PostgreSQL).
  std::string cleanup_;
};

// Records schema version `version` in the database at `url` as if a newer
// binary had migrated it (to test that older binaries refuse it).
absl::Status RecordSchemaVersionForTest(const std::string& url, int version);

// Whether PostgreSQL tests should be skipped: only when
// LATCHKEY_TEST_SKIP_POSTGRES=1 says so explicitly. Without it, a missing
// LATCHKEY_TEST_POSTGRES_URL is a test failure, so CI never skips silently.
bool SkipPostgresTests();

// LATCHKEY_TEST_POSTGRES_URL, or "" when unset.
std::string PostgresTestUrl();

// Appends libpq's search_path option for `schema` to a postgres:// URL.
std::string WithSearchPath(std::string_view url, std::string_view schema);

}  // namespace latchkey::storage::testing

#endif  // STORAGE_TESTING_TEST_DATABASE_H_
