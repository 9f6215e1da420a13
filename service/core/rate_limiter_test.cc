#include "service/core/rate_limiter.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/errors/api_error.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(absl::FromUnixSeconds(1'700'000'100));
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
    if (!error.has_value() || error->code != identity::v1::RATE_LIMITED)
      return -1;
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

TEST_F(RateLimiterTest, BlocksAllowExactlyTheLimitWithOneWritePerBlock) {
  clock_.Set(absl::FromUnixSeconds(3600 * 500 + 10));
  const auto limit = Limit(100, 3600);  // Blocks of 5.
  const uint64_t writes_before = db_->stats().calls;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter_->ConsumeInBlocks("internal", "s", limit).ok()) << i;
  }
  // Twenty blocks (plus at most one sweep of ended windows).
  EXPECT_LE(db_->stats().calls - writes_before, 21u);
  EXPECT_GE(db_->stats().calls - writes_before, 20u);
  absl::Status refused = limiter_->ConsumeInBlocks("internal", "s", limit);
  EXPECT_EQ(RetryAfter(refused), 3590);
  // Another key has its own budget; the next window starts afresh.
  EXPECT_TRUE(limiter_->ConsumeInBlocks("internal", "t", limit).ok());
  clock_.Advance(absl::Seconds(3590));
  EXPECT_TRUE(limiter_->ConsumeInBlocks("internal", "s", limit).ok());
}

TEST_F(RateLimiterTest, BlocksOfTwoReplicasNeverExceedTheLimit) {
  // Two replicas on one database, taking turns: what each holds unused
  // counts as used, so together they allow at most the limit and at
  // least the limit less one block's worth each.
  RateLimiter other(*db_, clock_);
  clock_.Set(absl::FromUnixSeconds(3600 * 600 + 10));
  const auto limit = Limit(100, 3600);
  int allowed = 0;
  for (int i = 0; i < 150; ++i) {
    const RateLimiter& replica = i % 3 == 0 ? other : *limiter_;
    if (replica.ConsumeInBlocks("internal", "s", limit).ok()) ++allowed;
  }
  EXPECT_LE(allowed, 100);
  EXPECT_GE(allowed, 100 - 2 * 4);
  // Consume and ConsumeInBlocks on one key share the database counter.
  EXPECT_GT(RetryAfter(limiter_->Consume("internal", "s", limit)), 0);
}

TEST_F(RateLimiterTest, ConcurrentBlockTakersAllowExactlyTheLimit) {
  clock_.Set(absl::FromUnixSeconds(3600 * 700 + 10));
  const auto limit = Limit(200, 3600);  // Blocks of 10.
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        if (limiter_->ConsumeInBlocks("internal", "s", limit).ok()) ++allowed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // A block taken last may still hold events nobody asked for; they are
  // there for the next caller. None was handed out twice, none lost.
  while (limiter_->ConsumeInBlocks("internal", "s", limit).ok()) ++allowed;
  EXPECT_EQ(allowed.load(), 200);
}

TEST_F(RateLimiterTest, SmallLimitsAreCountedOneByOne) {
  clock_.Set(absl::FromUnixSeconds(60 * 900 + 10));
  const auto limit = Limit(3, 60);  // A block would be less than one.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter_->ConsumeInBlocks("internal", "s", limit).ok()) << i;
  }
  EXPECT_GT(RetryAfter(limiter_->ConsumeInBlocks("internal", "s", limit)), 0);
  // Nothing was held back: a second replica is refused as well.
  RateLimiter other(*db_, clock_);
  EXPECT_GT(RetryAfter(other.ConsumeInBlocks("internal", "s", limit)), 0);
}

// Every paced attempt below is timed from the previous one let through;
// the window started two minutes (or more) ago, when the old pacing, timed
// from the window's start, let every attempt through back to back.
TEST_F(RateLimiterTest, PacesFromTheLastAttemptEvenInAnOldWindow) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window + absl::Minutes(2));
  const auto limit = Limit(10, 900);
  auto attempt = [&] {
    return limiter_->ConsumeWithBackoff("internal", "acct", limit);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(attempt().ok()) << i;  // free
  // The 4th comes 1 s after the 3rd, the 5th 2 s after the 4th, ...
  const int64_t spacing[] = {1, 2, 4, 8};
  for (int64_t wait : spacing) {
    const absl::Time last = clock_.Now();
    clock_.Set(last + absl::Seconds(wait) - absl::Milliseconds(1));
    const absl::Status early = attempt();
    EXPECT_GT(RetryAfter(early), 0) << "wait " << wait << ": " << early;
    // The refused attempt neither moved the deadline nor used the budget.
    clock_.Set(last + absl::Seconds(wait));
    ASSERT_TRUE(attempt().ok()) << "wait " << wait;
  }
  // Back to back is refused, however old the window.
  EXPECT_EQ(RetryAfter(attempt()), 16);
}

TEST_F(RateLimiterTest, RetryAfterCountsFromTheLastAttempt) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window + absl::Minutes(5));
  const auto limit = Limit(10, 900);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(limiter_->ConsumeWithBackoff("internal", "acct", limit).ok());
    clock_.Advance(absl::Seconds(1));
  }
  // 4 let through, the last 1 s ago; the 5th is due 2 s after it.
  const absl::Status refused =
      limiter_->ConsumeWithBackoff("internal", "acct", limit);
  EXPECT_EQ(RetryAfter(refused), 1);
  // The message counts in words that fit the number.
  EXPECT_NE(refused.message().find("in 1 second."), absl::string_view::npos)
      << refused.message();
}

// A higher limit keeps the pacing at its cap (60 s) instead of opening a
// burst once the window is older than the sum of the spacings.
TEST_F(RateLimiterTest, AHigherLimitStaysPacedAtTheCap) {
  const absl::Time window = absl::FromUnixSeconds(3600 * 500);
  clock_.Set(window + absl::Minutes(40));
  const auto limit = Limit(1000, 3600);
  auto attempt = [&] {
    return limiter_->ConsumeWithBackoff("internal", "acct", limit);
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(attempt().ok());
  for (int64_t wait : {1, 2, 4, 8, 16, 32, 60, 60}) {
    clock_.Advance(absl::Seconds(wait));
    ASSERT_TRUE(attempt().ok()) << wait;
  }
  EXPECT_EQ(RetryAfter(attempt()), 60);
}

TEST_F(RateLimiterTest, LocksForTheWindowNeverForever) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window);
  const auto limit = Limit(5, 900);
  auto attempt = [&] {
    return limiter_->ConsumeWithBackoff("internal", "acct", limit);
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(attempt().ok()) << i;
    clock_.Advance(absl::Seconds(60));
  }
  // Budget spent: refused until the window ends, not longer.
  EXPECT_EQ(RetryAfter(attempt()), 900 - 300);
  clock_.Set(window + absl::Seconds(899));
  EXPECT_EQ(RetryAfter(attempt()), 1);
  clock_.Set(window + absl::Seconds(900));
  EXPECT_TRUE(attempt().ok());
  // Another key is never affected.
  EXPECT_TRUE(limiter_->ConsumeWithBackoff("internal", "other", limit).ok());
}

// Guess at one account until one address is refused: the owner at another
// address still gets in at once.
TEST_F(RateLimiterTest, OneAddressFailuresDoNotLockOutTheOwnerElsewhere) {
  clock_.Set(absl::FromUnixSeconds(900 * 2000));
  const auto limit = Limit(10, 900);
  int passed = 0;
  for (int i = 0; i < 40; ++i) {
    if (limiter_
            ->ConsumeGuess("internal", "sign_in_account:a@x.io", "198.51.100.7",
                           limit)
            .ok()) {
      ++passed;
    }
    clock_.Advance(absl::Seconds(20));
  }
  EXPECT_EQ(passed, 10);
  EXPECT_GT(RetryAfter(limiter_->ConsumeGuess(
                "internal", "sign_in_account:a@x.io", "198.51.100.7", limit)),
            0);
  EXPECT_TRUE(limiter_
                  ->ConsumeGuess("internal", "sign_in_account:a@x.io",
                                 "203.0.113.9", limit)
                  .ok());
}

// Guesses spread over many addresses, each within its own limit, still
// stop at the per-account ceiling (10 x the per-address limit).
TEST_F(RateLimiterTest, SpreadGuessesMeetThePerAccountCeiling) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window);
  const auto limit = Limit(10, 900);
  for (int i = 0; i < 10 * RateLimiter::kAccountCeilingFactor; ++i) {
    ASSERT_TRUE(limiter_
                    ->ConsumeGuess("internal", "sign_in_account:a@x.io",
                                   absl::StrCat("10.0.", i / 2, ".1"), limit)
                    .ok())
        << i;
  }
  EXPECT_EQ(RetryAfter(limiter_->ConsumeGuess(
                "internal", "sign_in_account:a@x.io", "10.9.9.9", limit)),
            900);
  // Other accounts are not affected.
  EXPECT_TRUE(limiter_
                  ->ConsumeGuess("internal", "sign_in_account:b@x.io",
                                 "10.9.9.9", limit)
                  .ok());
}

// One address hammering one account (refused by its own pacing) never uses
// up the account's ceiling.
TEST_F(RateLimiterTest, RefusedGuessesDoNotUseTheCeiling) {
  clock_.Set(absl::FromUnixSeconds(900 * 2000));
  const auto limit = Limit(10, 900);
  for (int i = 0; i < 500; ++i) {
    limiter_
        ->ConsumeGuess("internal", "sign_in_account:a@x.io", "198.51.100.7",
                       limit)
        .IgnoreError();
  }
  EXPECT_TRUE(limiter_
                  ->ConsumeGuess("internal", "sign_in_account:a@x.io",
                                 "203.0.113.9", limit)
                  .ok());
}

// Counters of ended windows are deleted, so keys clients choose (emails,
// addresses) do not pile up in the database.
TEST_F(RateLimiterTest, SweepsCountersOfEndedWindows) {
  const absl::Time window = absl::FromUnixSeconds(900 * 2000);
  clock_.Set(window);
  ASSERT_TRUE(limiter_->Consume("internal", "gone", Limit(5, 900)).ok());
  ASSERT_TRUE(
      limiter_->ConsumeWithBackoff("internal", "paced", Limit(5, 900)).ok());
  auto rows = [&] {
    int64_t n = -1;
    EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                     auto gone = repos.rate_limits().GetPaced("internal",
                                                              "gone", window);
                     auto paced = repos.rate_limits().GetPaced("internal",
                                                               "paced", window);
                     if (!gone.ok()) return gone.status();
                     if (!paced.ok()) return paced.status();
                     n = gone->hits + paced->hits;
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  };
  EXPECT_EQ(rows(), 2);
  clock_.Set(window + absl::Seconds(900 + 61));
  ASSERT_TRUE(limiter_->Consume("internal", "other", Limit(5, 900)).ok());
  EXPECT_EQ(rows(), 0);
}

}  // namespace
}  // namespace latchkey::service::core

namespace latchkey::service::core {
namespace {

// Refusals are counted by limit name, the key's prefix; a client-chosen
// part of a key never becomes a name.
TEST_F(RateLimiterTest, CountsRefusalsByLimitName) {
  clock_.Set(absl::FromUnixSeconds(900 * 3000));
  for (int i = 0; i < 3; ++i) {
    limiter_->Consume("internal", "sign_up_ip:198.51.100.7", Limit(1, 900))
        .IgnoreError();
  }
  limiter_->Consume("internal", "Weird Key!:x", Limit(0, 900)).IgnoreError();
  limiter_
      ->ConsumeGuess("internal", "sign_in_account:a@x.io", "198.51.100.7",
                     Limit(0, 900))
      .IgnoreError();
  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  EXPECT_EQ(limiter_->refusals(), (Counts{{"other", 1},
                                          {"sign_in_account_per_address", 1},
                                          {"sign_up_ip", 2}}));
}

}  // namespace
}  // namespace latchkey::service::core
