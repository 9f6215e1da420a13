// The PostgreSQL backend's loss-tolerant runs, against a live server
// (LATCHKEY_TEST_POSTGRES_URL; skipped only with
// LATCHKEY_TEST_SKIP_POSTGRES=1).
#include "storage/postgres/pg_backend.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "storage/sql.h"
#include "storage/testing/test_database.h"

namespace latchkey::storage::postgres {
namespace {

class PgBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SkipPostgresTests()) GTEST_SKIP();
    auto scratch =
        testing::ScratchDatabase::Create(testing::TestBackend::kPostgres);
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    scratch_ = *std::move(scratch);
    // One connection, so every run below shares it: a setting that leaked
    // out of one transaction would show in the next.
    auto backend = OpenPostgresBackend(scratch_->url(), {.max_connections = 1});
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    // The test server may run with synchronous_commit off for speed; make
    // the session's own default "on", so that the loss-tolerant runs'
    // setting can be told apart from it.
    absl::Status on = backend_->RunAutocommit([](SqlExecutor& executor) {
      return executor.Execute("SET synchronous_commit TO on", {}).status();
    });
    ASSERT_TRUE(on.ok()) << on;
  }

  // synchronous_commit as the statements of one run see it.
  std::string SynchronousCommitIn(bool loss_tolerant) {
    std::string value;
    auto show = [&](SqlExecutor& executor) -> absl::Status {
      absl::StatusOr<SqlResult> result =
          executor.Execute("SHOW synchronous_commit", {});
      if (!result.ok()) return result.status();
      value = result->rows.at(0).Text(0);
      return absl::OkStatus();
    };
    absl::Status status = loss_tolerant ? backend_->RunLossTolerant(show)
                                        : backend_->RunAutocommit(show);
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  std::unique_ptr<testing::ScratchDatabase> scratch_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(PgBackendTest, LossTolerantRunsDoNotWaitForTheLogFlush) {
  EXPECT_EQ(SynchronousCommitIn(/*loss_tolerant=*/true), "off");
}

TEST_F(PgBackendTest, TheSettingStaysWithinItsTransaction) {
  ASSERT_EQ(SynchronousCommitIn(/*loss_tolerant=*/true), "off");
  EXPECT_EQ(SynchronousCommitIn(/*loss_tolerant=*/false), "on");
  absl::Status in_transaction = backend_->RunTransactionOnce(
      Isolation::kSnapshot, [](SqlExecutor& executor) -> absl::Status {
        absl::StatusOr<SqlResult> result =
            executor.Execute("SHOW synchronous_commit", {});
        if (!result.ok()) return result.status();
        EXPECT_EQ(result->rows.at(0).Text(0), "on");
        return absl::OkStatus();
      });
  EXPECT_TRUE(in_transaction.ok()) << in_transaction;
}

TEST_F(PgBackendTest, ALossTolerantRunCommitsOnSuccessAndRollsBackOnError) {
  auto run = [&](const char* sql, absl::Status outcome) {
    return backend_->RunLossTolerant(
        [&](SqlExecutor& executor) -> absl::Status {
          if (absl::Status s = executor.Execute(sql, {}).status(); !s.ok())
            return s;
          return outcome;
        });
  };
  ASSERT_TRUE(
      run("CREATE TABLE loss_tolerant_probe (n INT)", absl::OkStatus()).ok());
  ASSERT_TRUE(
      run("INSERT INTO loss_tolerant_probe VALUES (1)", absl::OkStatus()).ok());
  EXPECT_EQ(run("INSERT INTO loss_tolerant_probe VALUES (2)",
                absl::InternalError("the caller gave up"))
                .code(),
            absl::StatusCode::kInternal);
  int64_t rows = -1;
  ASSERT_TRUE(backend_
                  ->RunAutocommit([&](SqlExecutor& executor) -> absl::Status {
                    auto result = executor.Execute(
                        "SELECT count(*) FROM loss_tolerant_probe", {});
                    if (!result.ok()) return result.status();
                    rows = std::stoll(result->rows.at(0).Text(0));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(rows, 1);
}

}  // namespace
}  // namespace latchkey::storage::postgres
