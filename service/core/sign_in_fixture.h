#ifndef SERVICE_CORE_SIGN_IN_FIXTURE_H_
#define SERVICE_CORE_SIGN_IN_FIXTURE_H_

// A test fixture for core's account flows: the internal project on a
// scratch SQLite database with cheap argon2, and the SignInServices the use
// cases take, built from real components (clock faked).

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "crypto/signing_keys.h"
#include "gtest/gtest.h"
#include "service/core/access_tokens.h"
#include "service/core/bootstrap.h"
#include "service/core/fair_work_queue.h"
#include "service/core/password_sign_in.h"
#include "service/core/passwords.h"
#include "service/core/project_config.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/refresh_successors.h"
#include "service/core/sessions.h"
#include "service/core/sign_in_services.h"
#include "service/core/totp_secrets.h"
#include "service/core/users.h"
#include "service/core/verification_codes.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {

inline constexpr char kServerSecret[] =
    "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
inline constexpr char kPassword[] = "correct horse battery";
// Openwall's crypt_blowfish vector: "U*U".
inline constexpr char kBcryptHash[] =
    "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
inline constexpr char kBcryptPassword[] = "U*U";
inline constexpr char kTotpSeed[] = "0123456789abcdefghij";
inline constexpr char kAddressA[] = "198.51.100.1";
inline constexpr char kAddressB[] = "203.0.113.7";

class SignInFixture : public ::testing::Test {
 protected:
  // SQLite unless a subclass asks for PostgreSQL (skipped only where
  // LATCHKEY_TEST_SKIP_POSTGRES=1 says so).
  virtual storage::testing::TestBackend backend() const {
    return storage::testing::TestBackend::kSqlite;
  }

  void SetUp() override {
    if (backend() == storage::testing::TestBackend::kPostgres &&
        storage::testing::SkipPostgresTests()) {
      GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
    }
    clock_.Set(absl::FromUnixSeconds(1'700'000'100));
    auto scratch = storage::testing::ScratchDatabase::Create(backend());
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    scratch_ = *std::move(scratch);
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(EnsureInternalProject(*db_, {}, clock_).ok());
    ProjectDirectory directory(*db_, clock_);
    auto internal = directory.Get("internal");
    ASSERT_TRUE(internal.ok()) << internal.status();
    project_ = **internal;
    project_.config = DefaultProjectConfig();
    project_.config.set_sign_up_enabled(true);
    project_.config.set_credential_enabled(true);
    // Cheap argon2: the rules, not the cost, are under test.
    project_.config.mutable_argon2()->set_memory_kib(1024);
    project_.config.mutable_argon2()->set_iterations(1);
    project_.config.set_allow_localhost(true);

    ring_ = *crypto::KeyRing::Create({.current_secret = kServerSecret});
    issuer_ = std::make_unique<AccessTokenIssuer>(*ring_, clock_,
                                                  "https://auth.example.com");
    sessions_ = std::make_unique<SessionManager>(
        *db_, clock_, *RefreshTokenSuccessors::Create(kServerSecret));
    limiter_ = std::make_unique<RateLimiter>(*db_, clock_);
    codes_ = std::make_unique<VerificationCodes>(*db_, clock_);
    services_.emplace(SignInServices{*db_, clock_, passwords_, *limiter_,
                                     *sessions_, *issuer_, *codes_});
  }

  PasswordSignIn SignIn() const { return PasswordSignIn(*services_); }

  absl::StatusOr<SignedIn> SignInAs(const std::string& email,
                                    const std::string& password,
                                    const std::string& address = kAddressA) {
    return SignIn().Run({project_, email, password, address});
  }

  // A user signing in with `email`; `password` as stored.
  std::string AddUser(const std::string& email,
                      std::optional<PasswordHash> password,
                      bool with_totp = false, bool anonymous = false) {
    NewUser user;
    user.user.id =
        absl::StrCat("00000000-0000-4000-8000-00000000000", users_added_++);
    user.user.project_id = project_.project.id;
    user.user.signed_up_at = clock_.Now();
    user.user.last_active_at = clock_.Now();
    user.user.is_anonymous = anonymous;
    if (!email.empty()) user.primary_email = email;
    user.password = std::move(password);
    if (with_totp) {
      auto box = TotpSecretBox(kServerSecret, std::nullopt);
      EXPECT_TRUE(box.ok()) << box.status();
      auto sealed =
          SealTotpSecret(*box, project_.project.id, user.user.id, kTotpSeed);
      EXPECT_TRUE(sealed.ok()) << sealed.status();
      user.totp_secret_sealed = *sealed;
    }
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     return CreateUser(repos, user, clock_.Now());
                   })
                    .ok());
    return user.user.id;
  }

  PasswordHash Argon2Of(const std::string& password) {
    auto hash = passwords_.Hash(password, project_.config, "setup");
    EXPECT_TRUE(hash.ok()) << hash.status();
    return PasswordHash{hash.value_or(""), PasswordAlgorithm::kArgon2id};
  }

  storage::PasswordCredentialRecord StoredPassword(const std::string& user_id) {
    storage::PasswordCredentialRecord record;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto found = repos.credentials().GetPassword(
                         project_.project.id, user_id);
                     if (!found.ok()) return found.status();
                     record = *found;
                     return absl::OkStatus();
                   })
                    .ok());
    return record;
  }

  size_t ActiveSessions(const std::string& user_id) {
    size_t count = 0;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto sessions = repos.sessions().ListActiveForUser(
                         project_.project.id, user_id, clock_.Now());
                     if (!sessions.ok()) return sessions.status();
                     count = sessions->size();
                     return absl::OkStatus();
                   })
                    .ok());
    return count;
  }

  storage::UserView User(const std::string& user_id) {
    storage::UserView view;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto found =
                         repos.users().Get(project_.project.id, user_id);
                     if (!found.ok()) return found.status();
                     view = *found;
                     return absl::OkStatus();
                   })
                    .ok());
    return view;
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ProjectSnapshot project_;
  // One hashing slot and one waiting job per project, so that a test can
  // hold the slot and fill the project's line.
  FairWorkQueue hash_queue_{{.slots = 1, .max_waiting_per_key = 1}};
  Passwords passwords_{Passwords::Options{.queue = &hash_queue_}};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<AccessTokenIssuer> issuer_;
  std::unique_ptr<SessionManager> sessions_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<VerificationCodes> codes_;
  std::optional<SignInServices> services_;
  int users_added_ = 0;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_SIGN_IN_FIXTURE_H_
