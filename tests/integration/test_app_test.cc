// The in-process TestApp serves both doors with real authentication.
#include "tests/integration/test_app.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "identity/v1/user.grpc.pb.h"

namespace latchkey::testing {
namespace {

std::string Reason(const grpc::Status& status) {
  google::rpc::Status rich;
  rich.ParseFromString(status.error_details());
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

TEST(TestApp, BootstrapKeysAuthenticateAndWrongOnesDoNot) {
  auto test = TestApp::Start();
  ASSERT_TRUE(test.ok()) << test.status();
  auto stub = identity::v1::UserService::NewStub((*test)->Channel());
  identity::v1::ListUsersRequest request;
  identity::v1::ListUsersResponse response;
  {
    grpc::ClientContext context;
    TestApp::AsServer(context);
    grpc::Status status = stub->ListUsers(&context, request, &response);
    // Authenticated; the method itself may not be implemented yet.
    EXPECT_NE(Reason(status), "INVALID_SECRET_SERVER_KEY");
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    TestApp::AsServer(context, "internal", "ssk_wrong");
    grpc::Status status = stub->ListUsers(&context, request, &response);
    EXPECT_EQ(Reason(status), "INVALID_SECRET_SERVER_KEY");
  }
}

}  // namespace
}  // namespace latchkey::testing
