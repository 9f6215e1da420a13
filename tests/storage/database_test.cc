// Conformance: opening, health, migrations and the transaction runner.
#include "storage/database.h"

#include <filesystem>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing/test_database.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {
namespace {

using ::testing::HasSubstr;

class DatabaseTest : public StorageTest {};

TEST_P(DatabaseTest, PingAnswersOk) { EXPECT_TRUE(db().Ping().ok()); }

TEST_P(DatabaseTest, BackendNameMatchesUrl) {
  EXPECT_EQ(db().backend_name(), is_postgres() ? "postgres" : "sqlite");
}

TEST_P(DatabaseTest, ReopeningAMigratedDatabaseChangesNothing) {
  absl::StatusOr<std::unique_ptr<Database>> again = OpenAgain();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->Ping().ok());
}

TEST_P(DatabaseTest, ConcurrentOpensMigrateOnce) {
  // Four "processes" start at once against a fresh database; the migration
  // lock makes exactly one of them apply each migration, and all succeed.
  auto scratch = ScratchDatabase::Create(GetParam());
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  std::vector<absl::Status> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = OpenDatabase((*scratch)->url()).status(); });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
}

INSTANTIATE_STORAGE_SUITE(DatabaseTest);

TEST(OpenDatabaseTest, UnknownSchemeIsInvalidArgument) {
  auto db = OpenDatabase("mysql://localhost/x");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(db.status().message(), HasSubstr("mysql"));
}

TEST(OpenDatabaseTest, EmptySqlitePathIsInvalidArgument) {
  EXPECT_EQ(OpenDatabase("sqlite:").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OpenDatabaseTest, InMemorySqliteIsInvalidArgument) {
  EXPECT_EQ(OpenDatabase("sqlite::memory:").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OpenDatabaseTest, UncreatableSqlitePathNamesThePath) {
  const std::string path = "/nonexistent-dir-latchkey/sub/db.sqlite";
  auto db = OpenDatabase("sqlite:" + path);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(db.status().message(), HasSubstr(path));
}

TEST(OpenDatabaseTest, SqliteFileThatIsNotADatabaseNamesThePath) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/not-a-database.db";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is plain text, not an SQLite database file at all\n", f);
    std::fclose(f);
  }
  auto db = OpenDatabase("sqlite:" + path);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(db.status().message(), HasSubstr(path));
}

TEST(OpenDatabaseTest, SqliteCreatesAMissingFile) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/created.db";
  std::filesystem::remove(path);
  auto db = OpenDatabase("sqlite://" + path);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ((*db)->backend_name(), "sqlite");
}

TEST(OpenDatabaseTest, MalformedPostgresUrlIsInvalidArgument) {
  auto db = OpenDatabase("postgresql://user:secret@host/db?no_such_option=1");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(db.status().message(), ::testing::Not(HasSubstr("secret")));
}

TEST(OpenDatabaseTest, UnreachablePostgresIsUnavailableWithoutPassword) {
  // Port 1 on loopback: nothing listens there, so the connect is refused.
  auto db = OpenDatabase("postgres://someone:hunter2@127.0.0.1:1/x");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(db.status().message(), ::testing::Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace latchkey::storage::testing
