#include "storage/postgres/pg_connection.h"

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace latchkey::storage::postgres
