#include "service/core/user_admin.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/core/internal_project_fixture.h"
#include "service/core/project_config.h"
#include "service/core/project_directory.h"
#include "service/core/totp_secrets.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

const std::string kProject(kInternalProjectId);
constexpr char kServerSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kBcryptOfCorrectHorse[] =
    "$2b$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS";

class UserAdminTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    auto box = TotpSecretBox(kServerSecret, std::nullopt);
    ASSERT_TRUE(box.ok()) << box.status();
    admin_ =
        std::make_unique<UserAdmin>(*db_, passwords_, clock_, *std::move(box));
    // Cheap argon2: the rules, not the cost, are under test.
    config_ = DefaultProjectConfig();
    config_.mutable_argon2()->set_memory_kib(1024);
    config_.mutable_argon2()->set_iterations(1);
  }

  CreateUserInput NewUser(std::string email = "ann@example.com") {
    CreateUserInput input;
    input.project_id = kProject;
    input.config = &config_;
    input.display_name = "Ann";
    input.primary_email = std::move(email);
    return input;
  }

  UpdateUserInput Change(const std::string& user_id) {
    UpdateUserInput input;
    input.project_id = kProject;
    input.config = &config_;
    input.user_id = user_id;
    return input;
  }

  absl::StatusOr<storage::PasswordCredentialRecord> StoredPassword(
      const std::string& user_id) {
    absl::StatusOr<storage::PasswordCredentialRecord> record;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     record =
                         repos.credentials().GetPassword(kProject, user_id);
                     return absl::OkStatus();
                   })
                    .ok());
    return record;
  }

  Passwords passwords_{1};
  std::unique_ptr<UserAdmin> admin_;
  identity::v1::ProjectConfig config_;
};

TEST_F(UserAdminTest, CreatesWithANormalisedEmailAndAnArgon2Password) {
  CreateUserInput input = NewUser("  Ann@Example.COM ");
  input.password = "correct horse";
  input.country_code = "DE";
  auto user = admin_->Create(input);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->view.primary_email, "ann@example.com");
  // Not a sign-in address unless asked for.
  EXPECT_FALSE(user->view.primary_email_auth_enabled);
  EXPECT_TRUE(user->view.has_password);
  EXPECT_EQ(user->view.user.country_code, "DE");
  auto stored = StoredPassword(user->view.user.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->algorithm, "argon2id");
  auto check = passwords_.Verify("correct horse", stored->password_hash,
                                 config_, kProject);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
}

TEST_F(UserAdminTest, AnAddressThatDoesNotSignInIsNotTaken) {
  // Two users may share an address that neither signs in with; only one
  // may sign in with it.
  auto first = admin_->Create(NewUser("shared@example.com"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = admin_->Create(NewUser("shared@example.com"));
  ASSERT_TRUE(second.ok()) << second.status();
  CreateUserInput signs_in = NewUser("shared@example.com");
  signs_in.primary_email_auth_enabled = true;
  auto third = admin_->Create(signs_in);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->view.primary_email_auth_enabled);
  EXPECT_THAT(admin_->Create(signs_in),
              HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
}

TEST_F(UserAdminTest, AProfileImageIsAnHttpOrImageDataUrl) {
  const std::string gif = "data:image/gif;base64,R0lGODlhAQ==";
  CreateUserInput input = NewUser();
  input.profile_image_url = gif;
  auto user = admin_->Create(input);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->view.user.profile_image_url, gif);
  for (const char* bad :
       {"", "data:image/gif;base64,!!", "data:text/html,x", "not a url"}) {
    CreateUserInput refused = NewUser("other@example.com");
    refused.profile_image_url = bad;
    EXPECT_THAT(admin_->Create(refused),
                HasErrorCode(identity::v1::SCHEMA_ERROR))
        << bad;
    UpdateUserInput update;
    update.project_id = kProject;
    update.config = &config_;
    update.user_id = user->view.user.id;
    update.changes.profile_image_url = std::optional<std::string>(bad);
    EXPECT_THAT(admin_->Update(update),
                HasErrorCode(identity::v1::SCHEMA_ERROR))
        << bad;
  }
}

TEST_F(UserAdminTest, AcceptsAnImportedBcryptHashAsGiven) {
  CreateUserInput input = NewUser();
  input.password_hash = kBcryptOfCorrectHorse;
  auto user = admin_->Create(input);
  ASSERT_TRUE(user.ok()) << user.status();
  auto stored = StoredPassword(user->view.user.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->password_hash, kBcryptOfCorrectHorse);
  EXPECT_EQ(stored->algorithm, "bcrypt");
}

TEST_F(UserAdminTest, RefusesBadUsersBeforeWritingAnything) {
  CreateUserInput both = NewUser();
  both.password = "correct horse";
  both.password_hash = kBcryptOfCorrectHorse;
  EXPECT_THAT(admin_->Create(both), HasErrorCode(identity::v1::SCHEMA_ERROR));
  CreateUserInput short_password = NewUser();
  short_password.password = "short";
  EXPECT_THAT(admin_->Create(short_password),
              HasErrorCode(identity::v1::PASSWORD_TOO_SHORT));
  CreateUserInput bad_hash = NewUser();
  bad_hash.password_hash = "plaintext";
  EXPECT_THAT(admin_->Create(bad_hash),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  CreateUserInput anonymous = NewUser();
  anonymous.is_anonymous = true;
  EXPECT_THAT(admin_->Create(anonymous),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  CreateUserInput country = NewUser();
  country.country_code = "de";
  EXPECT_THAT(admin_->Create(country),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  CreateUserInput email = NewUser("not an email");
  EXPECT_THAT(admin_->Create(email), HasErrorCode(identity::v1::SCHEMA_ERROR));

  auto listed = admin_->List({.project_id = kProject, .config = &config_});
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->users.empty());
}

TEST_F(UserAdminTest, EmailsAndExternalIdsAreUnique) {
  // Unique among addresses that sign in.
  const auto signing_in = [&](std::string email) {
    CreateUserInput input = NewUser(std::move(email));
    input.primary_email_auth_enabled = true;
    return input;
  };
  CreateUserInput first = signing_in("ann@example.com");
  first.external_id = "crm-1";
  auto ann = admin_->Create(first);
  ASSERT_TRUE(ann.ok()) << ann.status();
  EXPECT_THAT(admin_->Create(signing_in("ANN@example.com")),
              HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
  CreateUserInput same_id = NewUser("bob@example.com");
  same_id.external_id = "crm-1";
  EXPECT_THAT(admin_->Create(same_id),
              HasErrorCode(identity::v1::SCHEMA_ERROR));

  auto bob = admin_->Create(signing_in("bob@example.com"));
  ASSERT_TRUE(bob.ok()) << bob.status();
  UpdateUserInput taken = Change(bob->view.user.id);
  taken.changes.external_id = std::optional<std::string>("crm-1");
  EXPECT_THAT(admin_->Update(taken), HasErrorCode(identity::v1::SCHEMA_ERROR));
  UpdateUserInput email = Change(bob->view.user.id);
  email.primary_email = std::optional<std::string>("Ann@Example.com");
  email.changes.primary_email_auth_enabled = true;
  EXPECT_THAT(admin_->Update(email),
              HasErrorCode(identity::v1::USER_EMAIL_ALREADY_EXISTS));
  // Without sign-in, the address is Bob's too (as in Stack): it conflicts
  // with nobody.
  email.changes.primary_email_auth_enabled.reset();
  auto shared = admin_->Update(email);
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(shared->view.primary_email, "ann@example.com");
  EXPECT_FALSE(shared->view.primary_email_auth_enabled);
}

TEST_F(UserAdminTest, UpdatesPasswordTotpAndFields) {
  CreateUserInput input = NewUser();
  input.password = "correct horse";
  auto user = admin_->Create(input);
  ASSERT_TRUE(user.ok()) << user.status();
  const std::string id = user->view.user.id;

  UpdateUserInput bad_seed = Change(id);
  bad_seed.totp_secret_base64 = std::optional<std::string>("c2hvcnQ=");
  EXPECT_THAT(admin_->Update(bad_seed),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  UpdateUserInput bad_country = Change(id);
  bad_country.changes.country_code = std::optional<std::string>("Deu");
  EXPECT_THAT(admin_->Update(bad_country),
              HasErrorCode(identity::v1::SCHEMA_ERROR));

  UpdateUserInput change = Change(id);
  change.changes.display_name = std::optional<std::string>();
  change.primary_email = std::optional<std::string>(" New@Example.com");
  change.totp_secret_base64 =
      std::optional<std::string>(crypto::Base64Encode("0123456789abcdefghij"));
  change.password = PasswordChange{};  // Neither: no password any more.
  auto updated = admin_->Update(change);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->view.user.display_name.has_value());
  EXPECT_EQ(updated->view.primary_email, "new@example.com");
  EXPECT_TRUE(updated->view.has_totp);
  EXPECT_FALSE(updated->view.has_password);

  UpdateUserInput hash = Change(id);
  hash.password = PasswordChange{std::nullopt, kBcryptOfCorrectHorse};
  updated = admin_->Update(hash);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->view.has_password);
}

TEST_F(UserAdminTest, AnUnknownUserIsUserNotFound) {
  const std::string nobody = "00000000-0000-4000-8000-00000000dead";
  EXPECT_THAT(admin_->Get(kProject, nobody),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(admin_->Update(Change(nobody)),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(admin_->Delete(kProject, nobody),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  auto user = admin_->Create(NewUser());
  ASSERT_TRUE(user.ok());
  EXPECT_THAT(admin_->Get("other-project", user->view.user.id),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
  ASSERT_TRUE(admin_->Delete(kProject, user->view.user.id).ok());
  EXPECT_THAT(admin_->Get(kProject, user->view.user.id),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

// A user a server creates gets a personal team too, when the project asks.
TEST_F(UserAdminTest, CreatedUsersGetAPersonalTeamWhenTheProjectAsks) {
  auto plain = admin_->Create(NewUser("plain@example.com"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->selected_team.has_value());

  config_.set_create_team_on_sign_up(true);
  auto created = admin_->Create(NewUser("ann@example.com"));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(created->selected_team.has_value());
  EXPECT_EQ(created->selected_team->display_name, "Ann's Team");
}

// A limit above the page size is served as a full page, not refused.
TEST_F(UserAdminTest, ALargeLimitIsClamped) {
  for (int i = 0; i <= kMaxUsersPerPage; ++i) {
    ASSERT_TRUE(
        admin_->Create(NewUser(absl::StrCat("user", i, "@example.com"))).ok());
  }
  UserListInput all{.project_id = kProject, .config = &config_};
  all.limit = 100000;
  auto page = admin_->List(all);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->users.size(), static_cast<size_t>(kMaxUsersPerPage));
  EXPECT_TRUE(page->next_cursor.has_value());
}

TEST_F(UserAdminTest, ListsPagesAndFilters) {
  for (const char* email : {"a@example.com", "b@example.com"}) {
    ASSERT_TRUE(admin_->Create(NewUser(email)).ok());
    clock_.Advance(absl::Seconds(1));
  }
  CreateUserInput anonymous;
  anonymous.project_id = kProject;
  anonymous.config = &config_;
  anonymous.is_anonymous = true;
  ASSERT_TRUE(admin_->Create(anonymous).ok());

  UserListInput first{.project_id = kProject, .config = &config_};
  first.limit = 1;
  auto page = admin_->List(first);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 1u);
  EXPECT_EQ(page->users[0].view.primary_email, "a@example.com");
  ASSERT_TRUE(page->next_cursor.has_value());
  UserListInput second = first;
  second.cursor = page->next_cursor;
  page = admin_->List(second);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 1u);
  EXPECT_EQ(page->users[0].view.primary_email, "b@example.com");

  UserListInput with_anonymous{.project_id = kProject, .config = &config_};
  with_anonymous.include_anonymous = true;
  with_anonymous.include_restricted = false;  // Asking for anonymous wins.
  page = admin_->List(with_anonymous);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->users.size(), 3u);

  UserListInput bad_order{.project_id = kProject, .config = &config_};
  bad_order.order_by = "display_name";
  EXPECT_THAT(admin_->List(bad_order),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  UserListInput bad_cursor{.project_id = kProject, .config = &config_};
  bad_cursor.cursor = "not-a-cursor";
  EXPECT_THAT(admin_->List(bad_cursor),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
}

TEST_F(UserAdminTest, VerifiedEmailProjectsLeaveOutUnverifiedWhenAsked) {
  config_.set_require_email_verification(true);
  CreateUserInput verified = NewUser("v@example.com");
  verified.primary_email_verified = true;
  ASSERT_TRUE(admin_->Create(verified).ok());
  ASSERT_TRUE(admin_->Create(NewUser("u@example.com")).ok());
  UserListInput all{.project_id = kProject, .config = &config_};
  auto page = admin_->List(all);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->users.size(), 2u);
  UserListInput unrestricted = all;
  unrestricted.include_restricted = false;
  page = admin_->List(unrestricted);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->users.size(), 1u);
  EXPECT_EQ(page->users[0].view.primary_email, "v@example.com");
  // Asking for anonymous users asks for restricted ones too: the
  // unverified user is back.
  UserListInput anonymous = unrestricted;
  anonymous.include_anonymous = true;
  page = admin_->List(anonymous);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->users.size(), 2u);
}

}  // namespace
}  // namespace latchkey::service::core
