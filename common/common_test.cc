#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/blocking_scope.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "gtest/gtest.h"

namespace latchkey::common {
namespace {

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  LATCHKEY_ASSIGN_OR_RETURN(int half, Half(n));
  LATCHKEY_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  LATCHKEY_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacros, AssignOrReturnPassesValuesAndErrorsThrough) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), absl::StatusCode::kInvalidArgument);
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  clock.Set(absl::FromUnixSeconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(7));
}

TEST(RealClock, IsNearAbslNow) {
  EXPECT_LT(absl::AbsDuration(Clock::Real().Now() - absl::Now()),
            absl::Seconds(5));
}

TEST(NonBlockingScope, RefusesWaitingInsideAndMarksTheInnermostScope) {
  EXPECT_TRUE(MayBlock());
  {
    NonBlockingScope outer;
    EXPECT_FALSE(outer.refused());
    {
      NonBlockingScope inner;
      EXPECT_FALSE(MayBlock());
      EXPECT_TRUE(inner.refused());
    }
    EXPECT_FALSE(outer.refused());
    EXPECT_FALSE(MayBlock());
    EXPECT_TRUE(outer.refused());
  }
  EXPECT_TRUE(MayBlock());
}

TEST(NonBlockingScope, CoversOnlyTheThreadThatOpenedIt) {
  NonBlockingScope scope;
  bool other_thread_may_block = false;
  std::thread other([&] { other_thread_may_block = MayBlock(); });
  other.join();
  EXPECT_TRUE(other_thread_may_block);
  EXPECT_FALSE(scope.refused());
}

}  // namespace
}  // namespace latchkey::common
