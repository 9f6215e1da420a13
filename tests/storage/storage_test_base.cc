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

void StorageTest::AddProject(const std::string& id) {
  absl::Status status = Call([&](Repositories& r) {
    return r.projects().Create(
        ProjectRecord{id, "Project " + id, std::nullopt, T(0), std::nullopt});
  });
  ASSERT_TRUE(status.ok()) << status;
}

UserRecord MakeUser(const std::string& project_id, const std::string& id,
                    absl::Time signed_up_at) {
  UserRecord user;
  user.id = id;
  user.project_id = project_id;
  user.display_name = "User " + id;
  user.signed_up_at = signed_up_at;
  user.last_active_at = signed_up_at;
  return user;
}

UserRecord StorageTest::AddUser(const std::string& project_id,
                                const std::string& id,
                                absl::Time signed_up_at) {
  UserRecord user = MakeUser(project_id, id, signed_up_at);
  absl::Status status =
      Call([&](Repositories& r) { return r.users().Create(user); });
  EXPECT_TRUE(status.ok()) << status;
  return user;
}

void StorageTest::AddEmail(const std::string& project_id,
                           const std::string& user_id, const std::string& email,
                           bool used_for_auth) {
  ContactChannelRecord channel;
  channel.id = user_id + "-" + email;
  channel.project_id = project_id;
  channel.user_id = user_id;
  channel.value = email;
  channel.is_primary = true;
  channel.used_for_auth = used_for_auth;
  channel.created_at = T(1);
  absl::Status status = Call(
      [&](Repositories& r) { return r.contact_channels().Create(channel); });
  EXPECT_TRUE(status.ok()) << status;
}

TeamRecord StorageTest::AddTeam(const std::string& project_id,
                                const std::string& id) {
  TeamRecord team;
  team.id = id;
  team.project_id = project_id;
  team.display_name = "Team " + id;
  team.created_at = T(2);
  absl::Status status =
      Call([&](Repositories& r) { return r.teams().Create(team); });
  EXPECT_TRUE(status.ok()) << status;
  return team;
}

std::string BackendTestName(const ::testing::TestParamInfo<TestBackend>& info) {
  return std::string(TestBackendName(info.param));
}

}  // namespace latchkey::storage::testing
