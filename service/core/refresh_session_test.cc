#include "service/core/refresh_session.h"

#include <memory>
#include <string>

#include "crypto/jwt.h"
#include "crypto/signing_keys.h"
#include "gtest/gtest.h"
#include "service/core/project_config.h"
#include "service/core/refresh_successors.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

constexpr char kProject[] = "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5f";
constexpr char kOther[] = "00000000-0000-4000-8000-000000000002";
constexpr char kServerSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kUrl[] = "https://auth.example.com";

class RefreshSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(absl::FromUnixMillis(1'700'000'000'250));
    auto opened = storage::testing::OpenScratch(
        storage::testing::TestBackend::kSqlite, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    scratch_ = std::move(opened->scratch);
    db_ = std::move(opened->database);
    for (const char* project : {kProject, kOther}) {
      ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                       storage::ProjectRecord record;
                       record.id = project;
                       record.display_name = "P";
                       record.created_at = clock_.Now();
                       if (auto s = repos.projects().Create(record); !s.ok())
                         return s;
                       storage::UserRecord user;
                       user.id = UserOf(project);
                       user.project_id = project;
                       user.display_name = "Ann";
                       user.signed_up_at = clock_.Now();
                       user.last_active_at = clock_.Now();
                       return repos.users().Create(user);
                     })
                      .ok());
    }
    auto successors = RefreshTokenSuccessors::Create(kServerSecret);
    ASSERT_TRUE(successors.ok()) << successors.status();
    sessions_ =
        std::make_unique<SessionManager>(*db_, clock_, *std::move(successors));
    limiter_ = std::make_unique<RateLimiter>(*db_, clock_);
    auto ring = crypto::KeyRing::Create({.current_secret = kServerSecret});
    ASSERT_TRUE(ring.ok()) << ring.status();
    ring_ = std::move(*ring);
    auto jwt = crypto::JwtVerifier::Create(*ring_, clock_);
    ASSERT_TRUE(jwt.ok()) << jwt.status();
    jwt_ = std::make_unique<crypto::JwtVerifier>(*std::move(jwt));
    issuer_ = std::make_unique<AccessTokenIssuer>(*ring_, clock_, kUrl);
    verifier_ = std::make_unique<AccessTokenVerifier>(*jwt_, kUrl);
    refresh_ =
        std::make_unique<RefreshSession>(*db_, *sessions_, *limiter_, *issuer_);
    config_ = DefaultProjectConfig();
  }

  static std::string UserOf(const char* project) {
    return std::string(project).substr(0, 35) + "9";
  }

  IssuedSession NewSession(const char* project = kProject) {
    absl::StatusOr<IssuedSession> issued;
    EXPECT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     issued = sessions_->Create(repos, project, UserOf(project),
                                                false, config_);
                     return issued.status();
                   })
                    .ok());
    return *issued;
  }

  absl::StatusOr<RefreshOutput> Refresh(absl::string_view token,
                                        bool can_rotate = true,
                                        const char* project = kProject) {
    return refresh_->Run({.project_id = project,
                          .config = &config_,
                          .refresh_token = token,
                          .can_rotate = can_rotate});
  }

  void RotateProject() {
    config_.set_refresh_token_rotation(true);
    config_.set_refresh_token_reuse_grace_seconds(10);
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<SessionManager> sessions_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<crypto::JwtVerifier> jwt_;
  std::unique_ptr<AccessTokenIssuer> issuer_;
  std::unique_ptr<AccessTokenVerifier> verifier_;
  std::unique_ptr<RefreshSession> refresh_;
  identity::v1::ProjectConfig config_;
};

TEST_F(RefreshSessionTest, IssuesAnAccessTokenForTheSessionFromTheUsersRow) {
  IssuedSession issued = NewSession();
  auto refreshed = Refresh(issued.refresh_token);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_FALSE(refreshed->next_refresh_token.has_value());
  // The expiry is the token's own exp claim: whole seconds.
  EXPECT_EQ(refreshed->expires_at,
            absl::FromUnixSeconds(1'700'000'000 +
                                  config_.access_token_lifetime_seconds()));
  auto claims = verifier_->Verify(refreshed->access_token, kProject, {});
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->sub(), UserOf(kProject));
  EXPECT_EQ(claims->refresh_token_id(), issued.session.id);
  EXPECT_EQ(claims->name(), "Ann");
  EXPECT_EQ(claims->exp(), absl::ToUnixSeconds(refreshed->expires_at));

  // A rename shows at the next refresh: the row is read every time.
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   auto user = repos.users().Get(kProject, UserOf(kProject));
                   if (!user.ok()) return user.status();
                   user->user.display_name = "Bea";
                   return repos.users().Update(user->user);
                 })
                  .ok());
  auto again = Refresh(issued.refresh_token);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(verifier_->Verify(again->access_token, kProject, {})->name(),
            "Bea");
}

TEST_F(RefreshSessionTest,
       UnknownEmptyForeignExpiredAndRevokedTokensAreRefused) {
  IssuedSession issued = NewSession();
  EXPECT_THAT(Refresh("no-such-token"),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  EXPECT_THAT(Refresh(""),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  EXPECT_THAT(Refresh(issued.refresh_token, true, kOther),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));

  IssuedSession revoked = NewSession();
  ASSERT_TRUE(refresh_->Revoke(kProject, revoked.refresh_token).ok());
  EXPECT_THAT(Refresh(revoked.refresh_token),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  // The first session was not touched by the other's revocation.
  EXPECT_TRUE(Refresh(issued.refresh_token).ok());

  clock_.Advance(absl::Hours(24 * 366));
  EXPECT_THAT(Refresh(issued.refresh_token),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

TEST_F(RefreshSessionTest, RotationWithinGraceHandsOutTheSameSuccessor) {
  RotateProject();
  IssuedSession issued = NewSession();
  auto first = Refresh(issued.refresh_token);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->next_refresh_token.has_value());
  EXPECT_NE(*first->next_refresh_token, issued.refresh_token);

  // A second tab with the old token, within grace: the same next token.
  clock_.Advance(absl::Seconds(5));
  auto second = Refresh(issued.refresh_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->next_refresh_token, first->next_refresh_token);

  // The successor works; the old token after grace is reuse and revokes
  // the family, successor included.
  ASSERT_TRUE(Refresh(*first->next_refresh_token, false).ok());
  clock_.Advance(absl::Seconds(60));
  EXPECT_THAT(Refresh(issued.refresh_token),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  EXPECT_THAT(Refresh(*first->next_refresh_token),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

TEST_F(RefreshSessionTest, CallerThatCannotRotateNeverRotates) {
  RotateProject();
  IssuedSession issued = NewSession();
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Minutes(5));  // beyond any grace window
    auto refreshed = Refresh(issued.refresh_token, /*can_rotate=*/false);
    ASSERT_TRUE(refreshed.ok()) << i << ": " << refreshed.status();
    EXPECT_FALSE(refreshed->next_refresh_token.has_value());
  }
  // The token is still the live one: a rotating caller rotates it now.
  auto rotated = Refresh(issued.refresh_token);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_TRUE(rotated->next_refresh_token.has_value());
}

TEST_F(RefreshSessionTest, EachSessionHasItsOwnRefreshBudgetAcrossRotations) {
  RotateProject();
  config_.mutable_rate_limits()->mutable_refresh_per_session()->set_limit(3);
  config_.mutable_rate_limits()
      ->mutable_refresh_per_session()
      ->set_window_seconds(3600);
  IssuedSession issued = NewSession();
  IssuedSession other = NewSession();
  // Rotating does not buy a fresh budget: three refreshes along the chain.
  std::string token = issued.refresh_token;
  for (int i = 0; i < 3; ++i) {
    auto refreshed = Refresh(token);
    ASSERT_TRUE(refreshed.ok()) << i << ": " << refreshed.status();
    token = *refreshed->next_refresh_token;
  }
  EXPECT_THAT(Refresh(token), HasErrorCode(identity::v1::RATE_LIMITED));
  // Another session of the same user is not limited by this one.
  EXPECT_TRUE(Refresh(other.refresh_token).ok());
}

TEST_F(RefreshSessionTest, RevokeEndsTheWholeFamilyAndIgnoresOtherTokens) {
  RotateProject();
  IssuedSession issued = NewSession();
  auto rotated = Refresh(issued.refresh_token);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  // Unknown tokens and tokens of another project: nothing to do, no error.
  EXPECT_TRUE(refresh_->Revoke(kProject, "no-such-token").ok());
  EXPECT_TRUE(refresh_->Revoke(kOther, *rotated->next_refresh_token).ok());
  EXPECT_TRUE(Refresh(*rotated->next_refresh_token).ok());

  IssuedSession again = NewSession();
  auto next = Refresh(again.refresh_token);
  ASSERT_TRUE(next.ok()) << next.status();
  // Revoking by the replaced token (within grace) ends its successor too.
  ASSERT_TRUE(refresh_->Revoke(kProject, again.refresh_token).ok());
  EXPECT_THAT(Refresh(*next->next_refresh_token),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

}  // namespace
}  // namespace latchkey::service::core
