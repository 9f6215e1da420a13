#include "service/core/user_import.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/core/internal_project_fixture.h"
#include "service/core/project_directory.h"
#include "service/errors/api_error.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

const std::string kProject(kInternalProjectId);
constexpr char kBcrypt[] =
    "$2b$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS";

class UserImportTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    import_ = std::make_unique<UserImport>(*db_, clock_);
  }

  absl::StatusOr<storage::UserView> User(const std::string& id) {
    absl::StatusOr<storage::UserView> view;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     view = repos.users().Get(kProject, id);
                     return absl::OkStatus();
                   })
                    .ok());
    return view;
  }

  std::unique_ptr<UserImport> import_;
};

TEST_F(UserImportTest, CreatesThenUpdatesByExternalId) {
  ImportRow row;
  row.external_id = "crm-7";
  row.primary_email = " Ann@Example.com";
  row.primary_email_verified = true;
  row.display_name = "Ann";
  row.password_hash = kBcrypt;
  row.signed_up_at = absl::FromUnixSeconds(1'500'000'000);
  auto first = import_->Run(kProject, {row});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->rows.size(), 1u);
  EXPECT_EQ(first->rows[0].outcome, ImportOutcome::kCreated);
  EXPECT_EQ(first->created, 1);
  const std::string id = first->rows[0].user_id;
  auto view = User(id);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->primary_email, "ann@example.com");
  EXPECT_TRUE(view->primary_email_verified);
  EXPECT_TRUE(view->has_password);
  EXPECT_EQ(view->user.signed_up_at, absl::FromUnixSeconds(1'500'000'000));

  // Again with the same external id: an update of what the row carries.
  ImportRow again;
  again.external_id = "crm-7";
  again.display_name = "Ann B";
  auto second = import_->Run(kProject, {again});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->rows[0].outcome, ImportOutcome::kUpdated);
  EXPECT_EQ(second->rows[0].user_id, id);
  EXPECT_EQ(second->updated, 1);
  view = User(id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->user.display_name, "Ann B");
  EXPECT_EQ(view->primary_email, "ann@example.com");  // Not in the row.
}

TEST_F(UserImportTest, ABadRowFailsAloneWithItsCodeAndField) {
  ImportRow good;
  good.primary_email = "a@example.com";
  ImportRow bad_email;
  bad_email.primary_email = "nope";
  ImportRow bad_hash;
  bad_hash.password_hash = "md5:abc";
  ImportRow empty_id;
  empty_id.external_id = "";
  ImportRow taken;
  taken.primary_email = "A@example.com";
  auto result =
      import_->Run(kProject, {good, bad_email, bad_hash, empty_id, taken});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 5u);
  EXPECT_EQ(result->created, 1);
  EXPECT_EQ(result->failed, 4);
  EXPECT_EQ(result->rows[0].outcome, ImportOutcome::kCreated);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(result->rows[i].outcome, ImportOutcome::kFailed) << i;
    EXPECT_EQ(result->rows[i].error_code, identity::v1::SCHEMA_ERROR) << i;
    EXPECT_TRUE(result->rows[i].user_id.empty()) << i;
  }
  EXPECT_NE(result->rows[1].error_message.find("body.users[1].primary_email"),
            std::string::npos)
      << result->rows[1].error_message;
  EXPECT_NE(result->rows[2].error_message.find("body.users[2].password_hash"),
            std::string::npos)
      << result->rows[2].error_message;
  EXPECT_EQ(result->rows[3].error_message,
            "body.users[3].external_id must not be empty");
  EXPECT_EQ(result->rows[4].error_code,
            identity::v1::USER_EMAIL_ALREADY_EXISTS);
}

TEST_F(UserImportTest, RowsWithoutExternalIdAlwaysCreate) {
  ImportRow row;
  row.display_name = "Same";
  auto result = import_->Run(kProject, {row, row});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->created, 2);
  EXPECT_NE(result->rows[0].user_id, result->rows[1].user_id);
}

}  // namespace
}  // namespace latchkey::service::core
