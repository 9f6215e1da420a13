#include "service/grpc/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "service/errors/api_error.h"

namespace latchkey::service {
namespace {

TEST(GrpcStatus, CatalogueErrorTravelsAsErrorInfoAndBack) {
  absl::Status original =
      ApiError(identity::v1::TEAM_NOT_FOUND, {{"team_id", "t-1"}});
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::NOT_FOUND);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(wire.error_details()));
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "TEAM_NOT_FOUND");
  EXPECT_EQ(info.domain(), "latchkey.dev");
  EXPECT_EQ(info.metadata().at("team_id"), "t-1");

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadApiError(back)->details.at("team_id"), "t-1");
}

TEST(GrpcStatus, PlainErrorsBecomeGenericOnesWithoutTheirText) {
  grpc::Status wire = ToGrpcStatus(absl::InternalError("stack trace here"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(wire.error_message(), "An internal error occurred.");
  EXPECT_EQ(ReadApiError(FromGrpcStatus(wire))->code,
            identity::v1::INTERNAL_ERROR);
}

TEST(GrpcStatus, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatus, ForeignErrorsKeepTheirCode) {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ReadApiError(status).has_value());
}

}  // namespace
}  // namespace latchkey::service
