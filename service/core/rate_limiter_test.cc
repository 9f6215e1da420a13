#include "service/core/rate_limiter.h"

#include "gtest/gtest.h"
#include "service/api_error.h"
#include "service/core/bootstrap.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(absl::FromUnixSeconds(1'700'000'100));  // 100 s into a 15-min window? no: aligned below
    scratch_ = std::move(*storage::testing::ScratchDatabase::Create(
        storage::testing::TestBackend::kSqlite));
    db_ = std::move(*storage::OpenDatabase(scratch_->url()));
    ASSERT_TRUE(EnsureInternalProject(*db_, {}, clock_).ok());
    limiter_ = std::make_unique<RateLimiter>(*db_, clock_);
  }

  static identity::v1::RateLimit Limit(int limit, int window) {
    identity::v1::RateLimit rate;
    rate.set_limit(limit);
    rate.set_window_seconds(window);
    return rate;
  }

  static int64_t RetryAfter(const absl::Status& status) {
    auto error = ReadApiError(status);
    if (!error.has_value() || error->code != identity::v1::RATE_LIMITED) return -1;
    return std::stoll(error->details["retry_after_seconds"]);
  }

  common::FakeClock clock_;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_F(RateLimiterTest, AllowsTheLimitThenRefusesUntilTheWindowEnds) {
  clock_.Set(absl::FromUnixSeconds(900 * 1000 + 100));  // 100 s into a window
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter_->Consume("internal", "k", Limit(5, 900)).ok()) << i;
  }
  absl::Status refused = limiter_->Consume("internal", "k", Limit(5, 900));
  EXPECT_EQ(RetryAfter(refused), 800);
  // Another key is not affected.
  EXPECT_TRUE(limiter_->Consume("internal", "other", Limit(5, 900)).ok());
  clock_.Advance(absl::Seconds(800));
  EXPECT_TRUE(limiter_->Consume("internal", "k", Limit(5, 900)).ok());
}

TEST_F(RateLimiterTest, BackoffGrowsThenLocksForTheWindowNeverForever) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window);
  const auto limit = Limit(10, 900);
  auto attempt = [&] {
    return limiter_->ConsumeWithBackoff("internal", "acct", limit);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(attempt().ok()) << i;
  // The 4th may come 1 s into the window, the 5th 3 s, the 6th 7 s...
  EXPECT_EQ(RetryAfter(attempt()), 1);       // 4th, too early
  clock_.Set(window + absl::Seconds(3));
  EXPECT_TRUE(attempt().ok());               // 5th, due at 3 s
  clock_.Set(window + absl::Seconds(7));
  EXPECT_TRUE(attempt().ok());               // 6th
  EXPECT_EQ(RetryAfter(attempt()), 8);       // 7th: due at 15 s
  // The budget runs out: locked until the window ends, not longer.
  for (int i = 0; i < 4; ++i) attempt().IgnoreError();
  clock_.Set(window + absl::Seconds(899));
  EXPECT_EQ(RetryAfter(attempt()), 1);
  clock_.Set(window + absl::Seconds(900));
  EXPECT_TRUE(attempt().ok());
  // Another account is never affected.
  EXPECT_TRUE(limiter_->ConsumeWithBackoff("internal", "other", limit).ok());
}

}  // namespace
}  // namespace latchkey::service::core
