#include "service/errors/error_matchers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

using ::testing::Not;

TEST(ErrorMatchers, HasErrorCodeMatchesStatusAndStatusOr) {
  absl::Status missing = ApiError(identity::v1::USER_NOT_FOUND);
  EXPECT_THAT(missing, HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(missing, Not(HasErrorCode(identity::v1::TEAM_NOT_FOUND)));
  absl::StatusOr<int> result = missing;
  EXPECT_THAT(result, HasErrorCode(identity::v1::USER_NOT_FOUND));
  EXPECT_THAT(absl::OkStatus(),
              Not(HasErrorCode(identity::v1::USER_NOT_FOUND)));
  EXPECT_THAT(absl::InternalError("x"),
              HasErrorCode(identity::v1::ERROR_CODE_UNSPECIFIED));
}

TEST(ErrorMatchers, ExplainsAMismatchByCodeName) {
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(
      HasErrorCode(identity::v1::TEAM_NOT_FOUND),
      ApiError(identity::v1::USER_NOT_FOUND), &listener));
  EXPECT_EQ(listener.str(), "which carries USER_NOT_FOUND");
}

TEST(ErrorMatchers, HasErrorDetailComparesOneDetail) {
  absl::Status status =
      ApiError(identity::v1::TEAM_NOT_FOUND, {{"team_id", "t-1"}});
  EXPECT_THAT(status, HasErrorDetail("team_id", "t-1"));
  EXPECT_THAT(status, Not(HasErrorDetail("team_id", "t-2")));
  EXPECT_THAT(status, Not(HasErrorDetail("user_id", "t-1")));
  EXPECT_THAT(absl::InternalError("x"), Not(HasErrorDetail("team_id", "t-1")));
}

}  // namespace
}  // namespace latchkey::service
