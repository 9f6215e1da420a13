#include "storage/postgres/pg_connection.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "storage/errors.h"

namespace latchkey::storage::postgres {
namespace {

TEST(RedactPostgresUrlTest, HidesThePassword) {
  EXPECT_EQ(RedactPostgresUrl("postgres://alice:s3cret@db:5432/app"),
            "postgres://alice:***@db:5432/app");
}

TEST(RedactPostgresUrlTest, DropsQueryParametersThatMayHoldSecrets) {
  EXPECT_EQ(RedactPostgresUrl("postgresql://alice@db/app?password=s3cret"),
            "postgresql://alice@db/app");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db/app?password=s3cret"),
            "postgresql://db/app");
}

TEST(RedactPostgresUrlTest, LeavesUrlsWithoutSecretsAlone) {
  EXPECT_EQ(RedactPostgresUrl("postgres://alice@db/app"),
            "postgres://alice@db/app");
}

TEST(PgErrorTest, NoResultOnABrokenConnectionIsUnavailable) {
  PGconn* conn = PQconnectdb("postgresql://127.0.0.1:1/x?connect_timeout=1");
  EXPECT_EQ(PgError(conn, nullptr).code(), absl::StatusCode::kUnavailable);
  PQfinish(conn);
}

// Against a live server (LATCHKEY_TEST_POSTGRES_URL): error mapping and the
// statement timeout. Fails without one unless LATCHKEY_TEST_SKIP_POSTGRES=1.
class PgConnectionLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("LATCHKEY_TEST_POSTGRES_URL");
    if (url == nullptr || *url == 0) {
      const char* skip = std::getenv("LATCHKEY_TEST_SKIP_POSTGRES");
      if (skip != nullptr && std::string(skip) == "1") {
        GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
      }
      FAIL() << "LATCHKEY_TEST_POSTGRES_URL is not set";
    }
    auto conn = PgConnection::Connect(url, "test", absl::Seconds(5),
                                      absl::Milliseconds(200));
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgConnectionLiveTest, StatementTimeoutIsDeadlineExceeded) {
  EXPECT_EQ(conn_->Execute("SELECT pg_sleep(2)", {}).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(conn_->Execute("SELECT 1", {}).ok()) << "the connection survives";
}

TEST_F(PgConnectionLiveTest, BindsEveryKindAndDecodesBytes) {
  auto result = conn_->Execute(
      "SELECT $1::bigint, $2::boolean, $3::text, $4::text, $5::bytea",
      {int64_t{-7}, false, "t\u00e9xt", std::nullopt,
       SqlParam::Bytes(std::string("\0\xff", 2))});
  ASSERT_TRUE(result.ok()) << result.status();
  const SqlRow& row = result->rows.at(0);
  EXPECT_EQ(row.Int(0), -7);
  EXPECT_FALSE(row.Bool(1));
  EXPECT_EQ(row.Text(2), "t\u00e9xt");
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_EQ(row.Bytes(4), std::string("\0\xff", 2));
}

TEST_F(PgConnectionLiveTest, ErrorsMapToCanonicalCodes) {
  ASSERT_TRUE(conn_
                  ->ExecScript("CREATE TEMP TABLE t (id int CONSTRAINT t_pk "
                               "PRIMARY KEY, n int CHECK (n > 0))")
                  .ok());
  ASSERT_TRUE(conn_->Execute("INSERT INTO t VALUES ($1, 1)", {1}).ok());
  absl::Status dup =
      conn_->Execute("INSERT INTO t VALUES ($1, 1)", {1}).status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(dup), "t_pk");
  EXPECT_EQ(conn_->Execute("INSERT INTO t VALUES ($1, 0)", {2}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(conn_->Execute("SELECT * FROM no_such_table", {}).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace latchkey::storage::postgres
