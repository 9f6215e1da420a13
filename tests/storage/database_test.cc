// Conformance: opening, health, migrations and the transaction runner.
#include "storage/database.h"

#include <filesystem>
#include <latch>
#include <thread>
#include <vector>

#include "common/blocking_scope.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
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

TEST_P(DatabaseTest, SchemaNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(RecordSchemaVersionForTest(url(), 999).ok());
  auto again = OpenAgain();
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("999"));
}

TEST_P(DatabaseTest, NoCallRunsInsideANonBlockingScope) {
  AddProject("p");
  const auto create = [&](Repositories& r) {
    return r.users().Create(MakeUser("p", Uuid(1), T(10)));
  };
  bool ran = false;
  {
    common::NonBlockingScope scope;
    EXPECT_TRUE(absl::IsUnavailable(db().Run([&](Repositories& r) {
      ran = true;
      return create(r);
    })));
    EXPECT_TRUE(scope.refused());
  }
  {
    common::NonBlockingScope scope;
    EXPECT_TRUE(absl::IsUnavailable(db().RunInTransaction(create)));
    EXPECT_TRUE(scope.refused());
  }
  {
    common::NonBlockingScope scope;
    EXPECT_TRUE(absl::IsUnavailable(db().RunLossTolerant(create)));
    EXPECT_TRUE(scope.refused());
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Outside a scope the same call runs.
  EXPECT_TRUE(db().Run(create).ok());
}

TEST_P(DatabaseTest, TransactionCommitsWhenTheCallbackSucceeds) {
  AddProject("p");
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.users().Create(MakeUser("p", Uuid(1), T(10)));
                  })
                  .ok());
  EXPECT_TRUE(
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); }).ok());
}

// Caches of reads rely on it: every write this process makes moves the
// generation once its call has returned; reads and rate-limit counters
// (RunLossTolerant) do not.
TEST_P(DatabaseTest, WriteGenerationMovesForWritesOnly) {
  AddProject("p");
  AddUser("p", Uuid(1), T(1));
  uint64_t seen = db().write_generation();

  ASSERT_TRUE(
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); }).ok());
  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.users().Get("p", Uuid(1)).status();
                  })
                  .ok());
  ASSERT_TRUE(db().RunLossTolerant([&](Repositories& r) {
                    return r.rate_limits()
                        .IncrementAndGet("p", "key", T(1), absl::Seconds(60))
                        .status();
                  })
                  .ok());
  EXPECT_EQ(db().write_generation(), seen) << "reads and counters";

  ASSERT_TRUE(db().Run([&](Repositories& r) {
                    return r.users().Create(MakeUser("p", Uuid(2), T(2)));
                  })
                  .ok());
  EXPECT_GT(db().write_generation(), seen) << "a write through Run";
  seen = db().write_generation();

  ASSERT_TRUE(db().RunInTransaction([&](Repositories& r) {
                    return r.users().Delete("p", Uuid(2));
                  })
                  .ok());
  EXPECT_GT(db().write_generation(), seen) << "a committed transaction";
}

TEST_P(DatabaseTest, TransactionThatFailsMidwayLeavesNoTrace) {
  AddProject("p");
  AddUser("p", Uuid(1), T(1));
  AddEmail("p", Uuid(1), "taken@example.com");
  // The user insert succeeds, the email insert then violates uniqueness:
  // the whole transaction must roll back, user included.
  absl::Status status = db().RunInTransaction([&](Repositories& r) {
    LATCHKEY_RETURN_IF_ERROR(r.users().Create(MakeUser("p", Uuid(2), T(2))));
    ContactChannelRecord channel;
    channel.id = "c2";
    channel.project_id = "p";
    channel.user_id = Uuid(2);
    channel.value = "taken@example.com";
    channel.used_for_auth = true;
    channel.created_at = T(2);
    return r.contact_channels().Create(channel);
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "contact_channels_auth_unique");
  EXPECT_EQ(Call([&](Repositories& r) { return r.users().Get("p", Uuid(2)); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("p", true); }),
            1);
}

TEST_P(DatabaseTest, CallbackErrorRollsBackAndIsReturnedAsIs) {
  AddProject("p");
  absl::Status status = db().RunInTransaction([&](Repositories& r) {
    LATCHKEY_RETURN_IF_ERROR(r.users().Create(MakeUser("p", Uuid(3), T(3))));
    return absl::PermissionDeniedError("changed my mind");
  });
  EXPECT_EQ(status, absl::PermissionDeniedError("changed my mind"));
  EXPECT_EQ(Call([&](Repositories& r) { return r.users().Get("p", Uuid(3)); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(DatabaseTest, RetryableConflictsAreRetriedThenSucceed) {
  int calls = 0;
  absl::Status status = db().RunInTransaction([&](Repositories&) {
    return ++calls < 3 ? RetryableConflictError("simulated") : absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 3);
}

TEST_P(DatabaseTest, RetriesAreBounded) {
  int calls = 0;
  absl::Status status = db().RunInTransaction([&](Repositories&) {
    ++calls;
    return RetryableConflictError("always");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, DatabaseOptions().max_transaction_attempts);
}

TEST_P(DatabaseTest, PlainAbortedIsNotRetried) {
  int calls = 0;
  absl::Status status = db().RunInTransaction([&](Repositories&) {
    ++calls;
    return absl::AbortedError("not a storage conflict");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, 1);
}

TEST_P(DatabaseTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  // Eight threads each add 1 to a counter 25 times with read-then-write
  // transactions. Conflicts surface as retryable errors (SQLITE_BUSY,
  // PostgreSQL serialization failures) and are retried; no increment may
  // be lost.
  AddProject("p");
  AddUser("p", Uuid(1), T(1));
  DatabaseOptions options;
  options.max_transaction_attempts = 1000;
  auto handle = OpenAgain(options);
  ASSERT_TRUE(handle.ok()) << handle.status();
  Database& shared = **handle;
  std::vector<std::thread> threads;
  std::vector<absl::Status> failures(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        absl::Status status = shared.RunInTransaction([&](Repositories& r) {
          LATCHKEY_ASSIGN_OR_RETURN(UserView view, r.users().Get("p", Uuid(1)));
          view.user.risk_score_bot += 1;
          return r.users().Update(view.user);
        });
        if (!status.ok()) failures[t] = status;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const absl::Status& f : failures) EXPECT_TRUE(f.ok()) << f;
  auto view =
      Call([&](Repositories& r) { return r.users().Get("p", Uuid(1)); });
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->user.risk_score_bot, 200);
}

TEST_P(DatabaseTest, SerializableCheckThenInsertHasOneWinner) {
  // "Create the first administrator only if none exists": each transaction
  // reads the count and inserts a different row, the write skew snapshot
  // isolation allows. Serializable transactions must admit one winner.
  AddProject("p");
  DatabaseOptions options;
  options.max_transaction_attempts = 100;
  auto handle = OpenAgain(options);
  ASSERT_TRUE(handle.ok()) << handle.status();
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = (*handle)->RunInTransaction(
          Isolation::kSerializable, [&](Repositories& r) -> absl::Status {
            LATCHKEY_ASSIGN_OR_RETURN(int64_t n, r.users().Count("p", true));
            if (n > 0) return absl::FailedPreconditionError("already set up");
            return r.users().Create(MakeUser("p", Uuid(10 + t), T(t)));
          });
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  for (const absl::Status& s : results) {
    if (s.ok()) {
      ++winners;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(*Call([&](Repositories& r) { return r.users().Count("p", true); }),
            1);
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
