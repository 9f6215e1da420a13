#ifndef TESTS_STORAGE_STORAGE_TEST_BASE_H_
#define TESTS_STORAGE_STORAGE_TEST_BASE_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "storage/database.h"
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
  const std::string& url() const { return scratch_->url(); }
  bool is_postgres() const { return GetParam() == TestBackend::kPostgres; }

 private:
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

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
