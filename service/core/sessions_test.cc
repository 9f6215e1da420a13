#include "service/core/sessions.h"

#include <latch>
#include <thread>
#include <vector>

#include "crypto/hashing.h"
#include "gtest/gtest.h"
#include "service/core/project_config.h"
#include "service/errors/api_error.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

constexpr char kProject[] = "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5f";
constexpr char kOther[] = "00000000-0000-4000-8000-000000000002";
constexpr char kServerSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
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
                       user.id = std::string(project).substr(0, 35) + "9";
                       user.project_id = project;
                       user.signed_up_at = clock_.Now();
                       user.last_active_at = clock_.Now();
                       return repos.users().Create(user);
                     })
                      .ok());
    }
    auto successors = RefreshTokenSuccessors::Create(kServerSecret);
    ASSERT_TRUE(successors.ok()) << successors.status();
    manager_ =
        std::make_unique<SessionManager>(*db_, clock_, *std::move(successors));
    config_ = DefaultProjectConfig();
  }

  std::string UserOf(const char* project) {
    return std::string(project).substr(0, 35) + "9";
  }

  IssuedSession NewSession(const char* project = kProject) {
    absl::StatusOr<IssuedSession> issued;
    EXPECT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                     issued = manager_->Create(repos, project, UserOf(project),
                                               false, config_);
                     return issued.status();
                   })
                    .ok());
    return *issued;
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<SessionManager> manager_;
  identity::v1::ProjectConfig config_;
};

TEST_F(SessionsTest, RefreshTokensAreOpaqueAndStoredOnlyAsHashes) {
  IssuedSession issued = NewSession();
  EXPECT_EQ(issued.refresh_token.size(), 45u);
  EXPECT_NE(issued.session.refresh_token_hash, issued.refresh_token);
  EXPECT_EQ(issued.session.refresh_token_hash.find(issued.refresh_token),
            std::string::npos);
  EXPECT_EQ(*issued.session.expires_at - issued.session.created_at,
            absl::Hours(24 * 365));
}

TEST_F(SessionsTest, ReusableTokenRefreshesAgainAndAgain) {
  IssuedSession issued = NewSession();
  for (int i = 0; i < 3; ++i) {
    auto refreshed = manager_->Refresh(kProject, issued.refresh_token, config_);
    ASSERT_TRUE(refreshed.ok()) << refreshed.status();
    EXPECT_EQ(refreshed->session.id, issued.session.id);
    EXPECT_FALSE(refreshed->next_refresh_token.has_value());
  }
}

TEST_F(SessionsTest, UnknownForeignAndExpiredTokensAreRefusedAlike) {
  IssuedSession issued = NewSession();
  EXPECT_THAT(manager_->Refresh(kProject, "no-such-token", config_),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  EXPECT_THAT(manager_->Refresh(kOther, issued.refresh_token, config_),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  clock_.Advance(absl::Hours(24 * 366));
  EXPECT_THAT(manager_->Refresh(kProject, issued.refresh_token, config_),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

TEST_F(SessionsTest, LastUsedIsWrittenAtMostOnceAMinute) {
  IssuedSession issued = NewSession();
  auto first = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(first.ok());
  const absl::Time stamped = *first->session.last_used_at;
  clock_.Advance(absl::Seconds(30));
  auto second = manager_->Refresh(kProject, issued.refresh_token, config_);
  EXPECT_EQ(*second->session.last_used_at, stamped);
  clock_.Advance(absl::Seconds(31));
  auto third = manager_->Refresh(kProject, issued.refresh_token, config_);
  EXPECT_EQ(*third->session.last_used_at, clock_.Now());
}

TEST_F(SessionsTest, RotationReplacesTokensAndToleratesConcurrentUse) {
  config_.set_refresh_token_rotation(true);
  config_.set_refresh_token_reuse_grace_seconds(10);
  IssuedSession issued = NewSession();
  auto rotated = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  ASSERT_TRUE(rotated->next_refresh_token.has_value());
  EXPECT_NE(rotated->session.id, issued.session.id);
  EXPECT_EQ(rotated->session.rotation_family_id, issued.session.id);
  // Only its hash is stored.
  EXPECT_EQ(rotated->session.refresh_token_hash,
            crypto::HashToken(*rotated->next_refresh_token));

  // Another tab still holds the old token: within grace it gets the same
  // next token, not an error and not a token of its own.
  clock_.Advance(absl::Seconds(5));
  auto concurrent = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(concurrent.ok()) << concurrent.status();
  EXPECT_EQ(concurrent->session.id, rotated->session.id);
  EXPECT_EQ(concurrent->next_refresh_token, rotated->next_refresh_token);

  // The new token keeps working.
  auto next =
      manager_->Refresh(kProject, *rotated->next_refresh_token, config_);
  ASSERT_TRUE(next.ok()) << next.status();
}

TEST_F(SessionsTest, ConcurrentRefreshesOfOneTokenAllGetTheSameNextToken) {
  config_.set_refresh_token_rotation(true);
  config_.set_refresh_token_reuse_grace_seconds(10);
  IssuedSession issued = NewSession();
  constexpr int kThreads = 16;
  std::latch start(kThreads);
  std::vector<absl::StatusOr<RefreshedSession>> results(
      kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = manager_->Refresh(kProject, issued.refresh_token, config_);
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[0]->next_refresh_token.has_value());
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->next_refresh_token, results[0]->next_refresh_token);
    EXPECT_EQ(result->session.id, results[0]->session.id);
  }
}

TEST_F(SessionsTest, WithinGraceTheOldTokenFollowsTheChainToTheLiveToken) {
  config_.set_refresh_token_rotation(true);
  config_.set_refresh_token_reuse_grace_seconds(10);
  IssuedSession issued = NewSession();
  auto first = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(first.ok());
  clock_.Advance(absl::Seconds(2));
  // The fast tab refreshed again; the slow tab still has the first token.
  auto second =
      manager_->Refresh(kProject, *first->next_refresh_token, config_);
  ASSERT_TRUE(second.ok());
  ASSERT_NE(second->next_refresh_token, first->next_refresh_token);
  clock_.Advance(absl::Seconds(2));
  auto slow = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(slow->session.id, second->session.id);
  EXPECT_EQ(slow->next_refresh_token, second->next_refresh_token);
}

TEST_F(SessionsTest, WithinGraceWithoutRotationTheAnswerHasNoNextToken) {
  config_.set_refresh_token_rotation(true);
  config_.set_refresh_token_reuse_grace_seconds(10);
  IssuedSession issued = NewSession();
  auto rotated = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(rotated.ok());
  // RefreshAccessToken refreshes without rotating.
  identity::v1::ProjectConfig without = config_;
  without.set_refresh_token_rotation(false);
  auto answer = manager_->Refresh(kProject, issued.refresh_token, without);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->session.id, rotated->session.id);
  EXPECT_FALSE(answer->next_refresh_token.has_value());
}

TEST_F(SessionsTest, ReuseAfterGraceRevokesTheWholeFamily) {
  config_.set_refresh_token_rotation(true);
  config_.set_refresh_token_reuse_grace_seconds(10);
  IssuedSession issued = NewSession();
  auto rotated = manager_->Refresh(kProject, issued.refresh_token, config_);
  ASSERT_TRUE(rotated.ok());
  clock_.Advance(absl::Seconds(11));
  EXPECT_THAT(manager_->Refresh(kProject, issued.refresh_token, config_),
              HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
  // The thief's replay also logged out the legitimate holder.
  EXPECT_THAT(
      manager_->Refresh(kProject, *rotated->next_refresh_token, config_),
      HasErrorCode(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED));
}

}  // namespace
}  // namespace latchkey::service::core
