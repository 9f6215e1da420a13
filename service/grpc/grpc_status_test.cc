#include "service/grpc/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "service/errors/api_error.h"

namespace latchkey::service {
namespace {

TEST(GrpcStatus, CatalogueErrorTravelsAsErrorInfo) {
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
}

TEST(GrpcStatus, PlainErrorsBecomeGenericOnesWithoutTheirText) {
  grpc::Status wire = ToGrpcStatus(absl::InternalError("stack trace here"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(wire.error_message(), "An internal error occurred.");
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(wire.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INTERNAL_ERROR");
}

TEST(GrpcStatus, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

}  // namespace
}  // namespace latchkey::service
