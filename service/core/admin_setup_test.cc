// The first administrator and password recovery (admin_setup.h), against
// SQLite.

#include "service/core/admin_setup.h"

#include <memory>
#include <optional>
#include <string>

#include "common/string_views.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

constexpr char kRecoveryKey[] = "recovery-key-of-at-least-32-characters!";

class AdminSetupTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
  }

  AdminSetup Setup(std::optional<std::string> key = kRecoveryKey) {
    return AdminSetup(*services_, *directory_, std::move(key));
  }

  absl::StatusOr<SignedIn> SetUpAdmin() {
    return Setup().Setup({"Operator", "Op@Example.com", kPassword});
  }

  std::unique_ptr<ProjectDirectory> directory_;
};

TEST_F(AdminSetupTest, FirstAdminJoinsTheOwnerTeamAndSignsIn) {
  auto admin = SetUpAdmin();
  ASSERT_TRUE(admin.ok()) << admin.status();
  const storage::UserView user = User(admin->user_id);
  EXPECT_EQ(user.primary_email, "op@example.com");
  EXPECT_EQ(user.user.display_name, "Operator");
  EXPECT_EQ(ActiveSessions(admin->user_id), 1u);
  auto internal = directory_->Get(kInternalProjectId);
  ASSERT_TRUE(internal.ok()) << internal.status();
  ASSERT_TRUE((*internal)->project.owner_team_id.has_value());
  EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.teams()
                       .GetMember(common::Std(kInternalProjectId),
                                  *(*internal)->project.owner_team_id,
                                  admin->user_id)
                       .status();
                 })
                  .ok());
}

TEST_F(AdminSetupTest, OnlyOnceAndCheckedBeforeTheInput) {
  ASSERT_TRUE(SetUpAdmin().ok());
  // Even an invalid second request is told setup is done: the count comes
  // before any validation or hashing.
  EXPECT_THAT(Setup().Setup({"", "not an email", "x"}),
              HasErrorCode(identity::v1::SETUP_ALREADY_COMPLETED));
}

TEST_F(AdminSetupTest, RefusesBadInputWritingNothing) {
  EXPECT_THAT(Setup().Setup({"", "op@example.com", kPassword}),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  EXPECT_THAT(Setup().Setup({"Operator", "op@example.com", "short"}),
              HasErrorCode(identity::v1::PASSWORD_TOO_SHORT));
  EXPECT_TRUE(SetUpAdmin().ok());
}

TEST_F(AdminSetupTest, RecoveryNeedsTheConfiguredKey) {
  ASSERT_TRUE(SetUpAdmin().ok());
  EXPECT_THAT(Setup(std::nullopt)
                  .Recover({kRecoveryKey, "op@example.com",
                            "a new long password", kAddressA}),
              HasErrorCode(identity::v1::RECOVERY_NOT_ENABLED));
  EXPECT_THAT(Setup().Recover({"wrong key", "op@example.com",
                               "a new long password", kAddressA}),
              HasErrorCode(identity::v1::INVALID_RECOVERY_KEY));
  EXPECT_THAT(Setup().Recover({kRecoveryKey, "nobody@example.com",
                               "a new long password", kAddressA}),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

TEST_F(AdminSetupTest, RecoverySetsThePasswordAndEndsEverySession) {
  auto admin = SetUpAdmin();
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(Setup()
                  .Recover({kRecoveryKey, "OP@example.com",
                            "a new long password", kAddressA})
                  .ok());
  EXPECT_EQ(ActiveSessions(admin->user_id), 0u);
  EXPECT_TRUE(SignInAs("op@example.com", "a new long password").ok());
}

TEST_F(AdminSetupTest, RecoveryAttemptsAreLimitedPerAddress) {
  ASSERT_TRUE(SetUpAdmin().ok());
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_THAT(Setup().Recover({"guess", "op@example.com",
                                 "a new long password", kAddressA}),
                HasErrorCode(identity::v1::INVALID_RECOVERY_KEY));
  }
  // Even the right key waits now, from this address.
  EXPECT_THAT(Setup().Recover({kRecoveryKey, "op@example.com",
                               "a new long password", kAddressA}),
              HasErrorCode(identity::v1::RATE_LIMITED));
  EXPECT_TRUE(Setup()
                  .Recover({kRecoveryKey, "op@example.com",
                            "a new long password", kAddressB})
                  .ok());
}

}  // namespace
}  // namespace latchkey::service::core
