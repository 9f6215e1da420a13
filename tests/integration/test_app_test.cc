// The in-process TestApp serves both doors with real authentication.
#include "tests/integration/test_app.h"

#include <algorithm>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "identity/v1/user.grpc.pb.h"
#include "service/application.h"
#include "service/latchkey_server.h"
#include "service/pipeline/method_registry.h"

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

// A method in the protos without a handler would answer NOT_IMPLEMENTED
// to every caller: the contract and the bindings must agree, method for
// method, for all five identity services and Envoy's Authorization.
TEST(TestApp, EveryMethodOfTheContractHasAHandler) {
  auto test = TestApp::Start();
  ASSERT_TRUE(test.ok()) << test.status();
  const service::MethodRegistry& registry = (*test)->app().server().registry();
  std::vector<std::string> services;
  int methods = 0;
  for (const google::protobuf::ServiceDescriptor* service :
       registry.services()) {
    services.push_back(service->full_name());
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      EXPECT_NE(registry.Find(method), nullptr)
          << method.full_name() << " has no handler";
      ++methods;
    }
  }
  for (const char* expected :
       {"identity.v1.AuthService", "identity.v1.TokenService",
        "identity.v1.ProjectService", "identity.v1.TeamPermissionService",
        "identity.v1.UserService", "envoy.service.auth.v3.Authorization"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), expected),
              services.end())
        << expected << " is not served";
  }
  EXPECT_GT(methods, 100);
}

}  // namespace
}  // namespace latchkey::testing
