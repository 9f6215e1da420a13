// PostgreSQL restarts under a running process: while the server is down
// every call fails fast with UNAVAILABLE (never hangs, never another code),
// and once it is back the same Database handle works again, without being
// reopened.
//
// Stops and starts the server ./tools/dev test started (it exports
// LATCHKEY_TEST_PGDATA and LATCHKEY_TEST_PG_BIN), so this target is tagged
// exclusive (no other test runs meanwhile) and no-sandbox (the restarted
// server must outlive the test's sandbox). The server restarts itself
// through a helper it launches (see PostgresRestarter), because Bazel kills
// whatever the test itself leaves running.
#include <cstdlib>
#include <string>

#include "common/status_macros.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/testing/postgres_restarter.h"
#include "storage/testing/test_database.h"

namespace latchkey::storage::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

UserRecord MakeUser(const std::string& id) {
  UserRecord u;
  u.id = id;
  u.project_id = "p";
  u.signed_up_at = absl::FromUnixSeconds(1'700'000'000);
  u.last_active_at = u.signed_up_at;
  return u;
}

TEST(PostgresRestartTest, CallsFailUnavailableWhileDownAndRecoverAfter) {
  if (PostgresTestUrl().empty() || Env("LATCHKEY_TEST_PGDATA").empty() ||
      Env("LATCHKEY_TEST_PG_BIN").empty()) {
    if (SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
    }
    FAIL() << "needs LATCHKEY_TEST_POSTGRES_URL, LATCHKEY_TEST_PGDATA and "
              "LATCHKEY_TEST_PG_BIN: run it through ./tools/dev test, or set "
              "LATCHKEY_TEST_SKIP_POSTGRES=1.";
  }
  auto scratch = ScratchDatabase::Create(TestBackend::kPostgres);
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  DatabaseOptions options;
  options.connect_timeout = absl::Seconds(2);
  auto opened = OpenDatabase((*scratch)->url(), options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Database& db = **opened;
  ASSERT_TRUE(
      db.Run([](Repositories& r) -> absl::Status {
          LATCHKEY_RETURN_IF_ERROR(r.projects().Create(
              {"p", "P", std::nullopt, absl::UnixEpoch(), std::nullopt}));
          return r.users().Create(MakeUser("u1"));
        }).ok());
  // Warm the pool: several idle connections that will all die.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(db.Ping().ok());

  auto restarter =
      PostgresRestarter::Create(PostgresTestUrl(), Env("LATCHKEY_TEST_PGDATA"),
                                Env("LATCHKEY_TEST_PG_BIN"));
  ASSERT_TRUE(restarter.ok()) << restarter.status();
  // From here on, the restarter's destructor brings the server back even
  // when an assertion fails.

  // The server goes away in the middle of a transaction: the statement
  // after the stop fails UNAVAILABLE and nothing of it is committed.
  absl::Status in_flight = db.RunInTransaction([&](Repositories& r) {
    LATCHKEY_RETURN_IF_ERROR(r.users().Create(MakeUser("u2")));
    LATCHKEY_RETURN_IF_ERROR((*restarter)->Stop());
    return r.users().Create(MakeUser("u3"));
  });
  EXPECT_EQ(in_flight.code(), absl::StatusCode::kUnavailable) << in_flight;

  // While it is down: every kind of call answers UNAVAILABLE, promptly.
  const absl::Time before = absl::Now();
  EXPECT_EQ(db.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(db.Run([](Repositories& r) {
                return r.users().Get("p", "u1").status();
              }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(db.RunInTransaction([](Repositories& r) {
                return r.users().Create(MakeUser("u4"));
              }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - before, absl::Seconds(30));

  absl::Status started = (*restarter)->Start();
  ASSERT_TRUE(started.ok()) << started;

  // Back up: the very first calls succeed on the same handle.
  EXPECT_TRUE(db.Ping().ok());
  absl::StatusOr<UserView> u1 = absl::UnknownError("unset");
  EXPECT_TRUE(db.Run([&](Repositories& r) {
                  u1 = r.users().Get("p", "u1");
                  return u1.status();
                }).ok())
      << u1.status();
  EXPECT_TRUE(db.RunInTransaction([](Repositories& r) {
                  return r.users().Create(MakeUser("u5"));
                }).ok());
  // The interrupted transaction left nothing.
  EXPECT_EQ(db.Run([](Repositories& r) {
                return r.users().Get("p", "u2").status();
              }).code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<int64_t> count = 0;
  ASSERT_TRUE(db.Run([&](Repositories& r) {
                  count = r.users().Count("p", true);
                  return count.status();
                }).ok());
  EXPECT_EQ(*count, 2);  // u1 and u5.
}

}  // namespace
}  // namespace latchkey::storage::testing
