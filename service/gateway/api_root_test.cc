// GET /api/v1 through a real RestGateway and a fake CallRunner: without
// credentials the gateway answers its own description; with project headers
// the call goes to ProjectService.DescribeCaller (authenticated by the
// pipeline like any method) and its `text` is the whole text/plain body.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "identity/v1/project.pb.h"
#include "service/gateway/rest_gateway.h"
#include "service/pipeline/method_catalog.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::gateway {
namespace {

class RecordingRunner : public CallRunner {
 public:
  std::vector<std::string> methods;

  void Submit(const google::protobuf::MethodDescriptor& method, CallEnvelope,
              std::unique_ptr<PendingCall> call) override {
    methods.push_back(method.full_name());
    identity::v1::DescribeCallerRequest request;
    const absl::Status read = call->ReadRequest(request);
    identity::v1::CallerDescription response;
    response.set_text("Authentication: Client\n");
    call->Finish(read, response);
  }
};

class ApiRootTest : public testing::Test {
 protected:
  void SetUp() override {
    auto catalog = MethodCatalog::Create(MethodCatalog::IdentityServices());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::move(*catalog);
    auto gateway = RestGateway::Start(*catalog_, runner_, {});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
  }

  OutboundResponse Get(
      const std::string& target,
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    CurlHttpClientOptions options;
    options.allow_loopback_http = true;
    CurlHttpClient client(options);
    OutboundRequest request;
    request.url =
        "http://127.0.0.1:" + std::to_string(gateway_->port()) + target;
    request.headers = std::move(headers);
    absl::StatusOr<OutboundResponse> response = client.Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : OutboundResponse();
  }

  RecordingRunner runner_;
  std::unique_ptr<const MethodCatalog> catalog_;
  std::unique_ptr<RestGateway> gateway_;
};

TEST_F(ApiRootTest, WithoutCredentialsTheGatewayDescribesTheApi) {
  OutboundResponse response = Get("/api/v1");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(absl::EndsWith(response.body, "Authentication: None\n"))
      << response.body;
  EXPECT_TRUE(runner_.methods.empty());
  // Unknown query parameters are refused as on any route.
  response = Get("/api/v1?x=1");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("x-stack-known-error"), "SCHEMA_ERROR");
}

TEST_F(ApiRootTest, WithProjectHeadersTheCallIsAuthenticatedAndAnswersText) {
  for (const char* header : {"x-stack-project-id", "x-hexclave-access-type",
                             "x-stack-access-token"}) {
    runner_.methods.clear();
    OutboundResponse response = Get("/api/v1", {{header, "internal"}});
    EXPECT_EQ(response.status, 200) << header;
    ASSERT_EQ(runner_.methods.size(), 1u) << header;
    EXPECT_EQ(runner_.methods[0], "identity.v1.ProjectService.DescribeCaller");
    EXPECT_EQ(response.body, "Authentication: Client\n");
    ASSERT_TRUE(response.Header("content-type").has_value());
    EXPECT_TRUE(
        absl::StartsWith(*response.Header("content-type"), "text/plain"));
  }
  // The request binder refuses a query parameter the request lacks.
  OutboundResponse response =
      Get("/api/v1?x=1", {{"x-stack-project-id", "internal"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("x-stack-known-error"), "SCHEMA_ERROR");
}

}  // namespace
}  // namespace latchkey::service::gateway
