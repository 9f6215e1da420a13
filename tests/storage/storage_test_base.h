#ifndef TESTS_STORAGE_STORAGE_TEST_BASE_H_
#define TESTS_STORAGE_STORAGE_TEST_BASE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/records.h"
#include "storage/testing/test_database.h"

// The fixture every conformance test derives from: one fresh database per
// test, on the backend the test is instantiated for. The same test bodies
// run against SQLite and PostgreSQL (INSTANTIATE_STORAGE_SUITE).
namespace latchkey::storage::testing {

class StorageTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens another handle on the same database (as a second process would).
  absl::StatusOr<std::unique_ptr<Database>> OpenAgain(
      const DatabaseOptions& options = {});

  Database& db() { return *db_; }

  // Runs `f(repositories)` on its own connection without a transaction and
  // returns what it returns (an absl::Status or absl::StatusOr), or the
  // error of getting a connection.
  template <typename F>
  auto Call(F&& f) -> decltype(f(std::declval<Repositories&>())) {
    using Result = decltype(f(std::declval<Repositories&>()));
    std::optional<Result> out;
    absl::Status status = db_->Run([&](Repositories& r) {
      out.emplace(f(r));
      return absl::OkStatus();
    });
    if (!status.ok()) return Result(status);
    return *std::move(out);
  }

  // Stores a project / user / team with defaults, failing the test if that
  // does not work. Times are T(seconds).
  void AddProject(const std::string& id);
  UserRecord AddUser(const std::string& project_id, const std::string& id,
                     absl::Time signed_up_at);
  void AddEmail(const std::string& project_id, const std::string& user_id,
                const std::string& email, bool used_for_auth = true);
  TeamRecord AddTeam(const std::string& project_id, const std::string& id);
  const std::string& url() const { return scratch_->url(); }
  bool is_postgres() const { return GetParam() == TestBackend::kPostgres; }

 private:
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

// A UUID-shaped id unique to `n`.
inline std::string Uuid(int n) {
  return absl::StrFormat("00000000-0000-4000-8000-%012d", n);
}

// A fixed instant plus `seconds`, so tests never read the real clock.
inline absl::Time T(int64_t seconds) {
  return absl::FromUnixSeconds(1'700'000'000 + seconds);
}

// A user row with defaults.
UserRecord MakeUser(const std::string& project_id, const std::string& id,
                    absl::Time signed_up_at);

// "SQLite" / "PostgreSQL" in test names.
std::string BackendTestName(const ::testing::TestParamInfo<TestBackend>& info);

}  // namespace latchkey::storage::testing

#define INSTANTIATE_STORAGE_SUITE(suite)                                       \
  INSTANTIATE_TEST_SUITE_P(                                                    \
      Backends, suite,                                                         \
      ::testing::Values(::latchkey::storage::testing::TestBackend::kSqlite,    \
                        ::latchkey::storage::testing::TestBackend::kPostgres), \
      ::latchkey::storage::testing::BackendTestName)

#endif  // TESTS_STORAGE_STORAGE_TEST_BASE_H_
