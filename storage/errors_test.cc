#include "storage/errors.h"

#include "gtest/gtest.h"

namespace latchkey::storage {
namespace {

TEST(ErrorsTest, UniqueViolationNamesTheConstraint) {
  absl::Status status = UniqueViolationError("users_pkey", "duplicate");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ViolatedConstraint(status), "users_pkey");
  EXPECT_NE(status.message().find("users_pkey"), absl::string_view::npos);
}

TEST(ErrorsTest, ForeignKeyViolationIsNotFound) {
  absl::Status status = ForeignKeyViolationError("sessions_user_id_fkey", "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ViolatedConstraint(status), "sessions_user_id_fkey");
}

TEST(ErrorsTest, OnlyMarkedAbortsAreRetryable) {
  EXPECT_TRUE(IsRetryableConflict(RetryableConflictError("busy")));
  EXPECT_FALSE(IsRetryableConflict(absl::AbortedError("not from storage")));
  EXPECT_FALSE(IsRetryableConflict(absl::OkStatus()));
  EXPECT_EQ(ViolatedConstraint(absl::AlreadyExistsError("plain")),
            std::nullopt);
}

}  // namespace
}  // namespace latchkey::storage
