#include "storage/testing/test_database.h"

#include <postgresql/libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"

namespace latchkey::storage::testing {
namespace {

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return absl::StrCat(getpid(), "_", counter.fetch_add(1), "_",
                      device() % 1000000);
}

// Runs one parameterless statement (schema names are generated here, never
// taken from input). Returns UNAVAILABLE or INTERNAL with libpq's text.
absl::Status RunAdminStatement(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(absl::StrCat(
        "cannot reach the test PostgreSQL server: ", PQerrorMessage(conn)));
    PQfinish(conn);
    return status;
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn, sql.c_str());
  absl::Status status = absl::OkStatus();
  if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    status = absl::InternalError(
        absl::StrCat(sql, ": ", PQresultErrorMessage(result)));
  }
  PQclear(result);
  PQfinish(conn);
  return status;
}

}  // namespace

absl::Status RecordSchemaVersionForTest(const std::string& url, int version) {
  const std::string sql = absl::StrCat(
      "INSERT INTO schema_version (version, description, applied_at_us) "
      "VALUES (",
      version, ", 'from the future', 0)");
  if (url.rfind("sqlite:", 0) == 0) {
    sqlite3* db = nullptr;
    if (sqlite3_open(url.substr(7).c_str(), &db) != SQLITE_OK) {
      sqlite3_close(db);
      return absl::InternalError("cannot open " + url);
    }
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    absl::Status status = rc == SQLITE_OK
                              ? absl::OkStatus()
                              : absl::InternalError(error ? error : "exec");
    sqlite3_free(error);
    sqlite3_close(db);
    return status;
  }
  return RunAdminStatement(url, sql);
}

std::string_view TestBackendName(TestBackend backend) {
  return backend == TestBackend::kSqlite ? "SQLite" : "PostgreSQL";
}

bool SkipPostgresTests() {
  const char* skip = std::getenv("LATCHKEY_TEST_SKIP_POSTGRES");
  return skip != nullptr && std::string_view(skip) == "1";
}

std::string PostgresTestUrl() {
  const char* url = std::getenv("LATCHKEY_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

std::string WithSearchPath(std::string_view url, std::string_view schema) {
  const char separator = url.find('?') == std::string_view::npos ? '?' : '&';
  return absl::StrCat(absl::string_view(url.data(), url.size()),
                      std::string(1, separator), "options=-csearch_path%3D",
                      absl::string_view(schema.data(), schema.size()));
}

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create(
    TestBackend backend) {
  if (backend == TestBackend::kSqlite) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::filesystem::path dir =
        tmp != nullptr ? tmp : std::filesystem::temp_directory_path();
    const std::string file =
        (dir / absl::StrCat("latchkey_", UniqueSuffix(), ".db")).string();
    return std::unique_ptr<ScratchDatabase>(
        new ScratchDatabase(backend, absl::StrCat("sqlite:", file), file));
  }
  const std::string base = PostgresTestUrl();
  if (base.empty()) {
    return absl::FailedPreconditionError(
        "LATCHKEY_TEST_POSTGRES_URL is not set: the PostgreSQL conformance "
        "tests need a server (./tools/dev test starts one). Set "
        "LATCHKEY_TEST_SKIP_POSTGRES=1 to skip them deliberately.");
  }
  const std::string schema = absl::StrCat("lkt_", UniqueSuffix());
  absl::Status status =
      RunAdminStatement(base, absl::StrCat("CREATE SCHEMA ", schema));
  if (!status.ok()) return status;
  return std::unique_ptr<ScratchDatabase>(
      new ScratchDatabase(backend, WithSearchPath(base, schema), schema));
}

ScratchDatabase::~ScratchDatabase() {
  if (backend_ == TestBackend::kSqlite) {
    std::remove(cleanup_.c_str());
    std::remove((cleanup_ + "-wal").c_str());
    std::remove((cleanup_ + "-shm").c_str());
    return;
  }
  // Best effort: a server that is down now leaves a schema behind, which a
  // later run does not see (every run makes its own).
  RunAdminStatement(PostgresTestUrl(), absl::StrCat("DROP SCHEMA IF EXISTS ",
                                                    cleanup_, " CASCADE"))
      .IgnoreError();
}

}  // namespace latchkey::storage::testing
