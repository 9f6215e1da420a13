#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {

void StorageTest::SetUp() {
  if (GetParam() == TestBackend::kPostgres && PostgresTestUrl().empty()) {
    if (SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1: PostgreSQL skipped";
    }
    FAIL() << "LATCHKEY_TEST_POSTGRES_URL is not set. Run the suite through "
              "./tools/dev test (it starts PostgreSQL), or set "
              "LATCHKEY_TEST_SKIP_POSTGRES=1 to skip PostgreSQL on purpose.";
  }
  absl::StatusOr<std::unique_ptr<ScratchDatabase>> scratch =
      ScratchDatabase::Create(GetParam());
  ASSERT_TRUE(scratch.ok()) << scratch.status();
  scratch_ = *std::move(scratch);
  absl::StatusOr<std::unique_ptr<Database>> db = OpenDatabase(url());
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = *std::move(db);
}

void StorageTest::TearDown() {
  db_.reset();  // Close connections before the schema is dropped.
  scratch_.reset();
}

absl::StatusOr<std::unique_ptr<Database>> StorageTest::OpenAgain(
    const DatabaseOptions& options) {
  return OpenDatabase(url(), options);
}

std::string BackendTestName(const ::testing::TestParamInfo<TestBackend>& info) {
  return std::string(TestBackendName(info.param));
}

}  // namespace latchkey::storage::testing
