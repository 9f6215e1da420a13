#include "storage/sqlite/sqlite_connection.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "storage/errors.h"

namespace latchkey::storage::sqlite {
namespace {

std::unique_ptr<SqliteConnection> OpenTemp(const char* name) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  auto conn = SqliteConnection::Open(path, absl::Seconds(1));
  EXPECT_TRUE(conn.ok()) << conn.status();
  return conn.ok() ? *std::move(conn) : nullptr;
}

// The permission bits of `file` (-1 when it does not exist).
int ModeOf(const std::string& file) {
  struct stat info;
  if (::stat(file.c_str(), &info) != 0) return -1;
  return static_cast<int>(info.st_mode & 0777);
}

// Restores the umask a test changed.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

TEST(SqliteConnectionTest, NewDatabaseAndItsWalFilesAreOwnerOnly) {
  ScopedUmask umask(022);
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/private.db";
  auto conn = SqliteConnection::Open(path, absl::Seconds(1));
  ASSERT_TRUE(conn.ok()) << conn.status();
  // A write in WAL mode, with the connection still open, so the -wal and
  // -shm files exist.
  ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE((*conn)->Execute("INSERT INTO t VALUES ($1)", {1}).ok());
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(path + "-wal"), 0600);
  EXPECT_EQ(ModeOf(path + "-shm"), 0600);
}

TEST(SqliteConnectionTest, ExistingReadableDatabaseIsNarrowedToTheOwner) {
  ScopedUmask umask(022);
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/readable.db";
  {
    auto conn = SqliteConnection::Open(path, absl::Seconds(1));
    ASSERT_TRUE(conn.ok()) << conn.status();
    ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE t (x INTEGER)").ok());
  }
  // As an older version (or an operator) left it.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::ofstream(path + "-wal").close();
  ASSERT_EQ(::chmod((path + "-wal").c_str(), 0664), 0);
  auto conn = SqliteConnection::Open(path, absl::Seconds(1));
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(path + "-wal"), 0600);
  ASSERT_TRUE((*conn)->Execute("SELECT count(*) FROM t", {}).ok());
}

TEST(SqliteConnectionTest, BindsEveryParameterKind) {
  auto conn = OpenTemp("kinds.db");
  ASSERT_NE(conn, nullptr);
  auto result = conn->Execute("SELECT $1, $2, $3, $4, $5",
                              {int64_t{5}, true, "text", std::nullopt,
                               SqlParam::Bytes(std::string("\0b", 2))});
  ASSERT_TRUE(result.ok()) << result.status();
  const SqlRow& row = result->rows.at(0);
  EXPECT_EQ(row.Int(0), 5);
  EXPECT_TRUE(row.Bool(1));
  EXPECT_EQ(row.Text(2), "text");
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_EQ(row.Bytes(4), std::string("\0b", 2));
}

TEST(SqliteConnectionTest, ReusedStatementsRebindCleanly) {
  auto conn = OpenTemp("reuse.db");
  ASSERT_NE(conn, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto result = conn->Execute("SELECT $1 + 1", {i});
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->rows.at(0).Int(0), i + 1);
  }
}

TEST(SqliteConnectionTest, UniqueViolationIsAlreadyExistsWithConstraint) {
  auto conn = OpenTemp("unique.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->ExecScript("CREATE TABLE users (id TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE(conn->Execute("INSERT INTO users VALUES ($1)", {"a"}).ok());
  absl::Status status =
      conn->Execute("INSERT INTO users VALUES ($1)", {"a"}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "users_pkey");
}

TEST(SqliteConnectionTest, WrongParameterCountIsInternal) {
  auto conn = OpenTemp("count.db");
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->Execute("SELECT $1", {}).status().code(),
            absl::StatusCode::kInternal);
}

TEST(SqliteConnectionTest, WriteLockHeldPastTheBusyTimeoutIsRetryable) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/busy.db";
  auto holder = SqliteConnection::Open(path, absl::Milliseconds(20));
  auto waiter = SqliteConnection::Open(path, absl::Milliseconds(20));
  ASSERT_TRUE(holder.ok() && waiter.ok());
  ASSERT_TRUE((*holder)->Execute("BEGIN IMMEDIATE", {}).ok());
  absl::Status status = (*waiter)->Execute("BEGIN IMMEDIATE", {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsRetryableConflict(status));
  ASSERT_TRUE((*holder)->Execute("COMMIT", {}).ok());
  EXPECT_TRUE((*waiter)->Execute("BEGIN IMMEDIATE", {}).ok());
  EXPECT_TRUE((*waiter)->InTransaction());
}

TEST(SqliteConnectionTest, ForeignKeysAreEnforced) {
  auto conn = OpenTemp("fk.db");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->ExecScript("CREATE TABLE parent (id TEXT PRIMARY KEY);"
                       "CREATE TABLE child (p TEXT REFERENCES parent (id))")
          .ok());
  EXPECT_EQ(
      conn->Execute("INSERT INTO child VALUES ($1)", {"none"}).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(SqliteConnectionTest, BusyIsRetryableAborted) {
  EXPECT_TRUE(IsRetryableConflict(SqliteError(SQLITE_BUSY, "locked")));
  EXPECT_TRUE(IsRetryableConflict(SqliteError(SQLITE_BUSY_SNAPSHOT, "snap")));
}

}  // namespace
}  // namespace latchkey::storage::sqlite
