// The HTTP directives a method may give its REST answer (status, Location,
// Set-Cookie) and the Cookie header reaching the call, through a real
// RestGateway and a fake CallRunner.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "identity/v1/common.pb.h"
#include "service/errors/api_error.h"
#include "service/gateway/rest_gateway.h"
#include "service/pipeline/method_catalog.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::gateway {
namespace {

// Answers every call at once, on the caller's thread, as `answer` says.
class FakeRunner : public CallRunner {
 public:
  struct Answer {
    absl::Status status;
    std::string location;
    HttpDirectives directives;
  };
  Answer answer;
  std::string last_cookie_header;

  void Submit(const google::protobuf::MethodDescriptor&, CallEnvelope envelope,
              std::unique_ptr<PendingCall> call) override {
    last_cookie_header = envelope.cookie_header;
    identity::v1::RedirectResponse response;
    identity::v1::RedirectResponse request_sink;
    (void)call->ReadRequest(request_sink);
    response.set_location(answer.location);
    call->SetHttpDirectives(answer.directives);
    call->Finish(answer.status, response);
  }
};

class DirectivesTest : public testing::Test {
 protected:
  void SetUp() override {
    auto catalog = MethodCatalog::Create(MethodCatalog::IdentityServices());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::move(*catalog);
    auto gateway = RestGateway::Start(*catalog_, runner_, {});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
  }

  // GET on the authorize route (declared http_status 307, RedirectResponse).
  OutboundResponse Get(
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    CurlHttpClientOptions options;
    options.allow_loopback_http = true;
    CurlHttpClient client(options);
    OutboundRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(gateway_->port()) +
                  "/api/v1/auth/oauth/authorize/p";
    request.headers = std::move(headers);
    absl::StatusOr<OutboundResponse> response = client.Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : OutboundResponse();
  }

  std::vector<std::string> Cookies(const OutboundResponse& response) {
    std::vector<std::string> out;
    for (const auto& [name, value] : response.headers) {
      if (name == "set-cookie") out.push_back(value);
    }
    return out;
  }

  FakeRunner runner_;
  std::unique_ptr<const MethodCatalog> catalog_;
  std::unique_ptr<RestGateway> gateway_;
};

TEST_F(DirectivesTest, WithoutDirectivesTheDeclaredRedirectStands) {
  runner_.answer.location = "https://idp.example/auth";
  OutboundResponse response = Get();
  EXPECT_EQ(response.status, 307);
  EXPECT_EQ(response.Header("location"), "https://idp.example/auth");
  EXPECT_EQ(response.body, "");
  EXPECT_TRUE(Cookies(response).empty());
}

TEST_F(DirectivesTest, AMethodMayAnswer200WithTheMessageAsJson) {
  runner_.answer.location = "https://idp.example/auth";
  runner_.answer.directives.status = 200;
  OutboundResponse response = Get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("location"), std::nullopt);
  EXPECT_EQ(response.body, R"({"location":"https://idp.example/auth"})");
  EXPECT_EQ(response.Header("access-control-allow-origin"), "*");
}

TEST_F(DirectivesTest, A303WithCookiesAndAJsonBody) {
  runner_.answer.location = "https://app.example/cb?code=1&state=2";
  runner_.answer.directives.status = 303;
  runner_.answer.directives.json_body_on_redirect = true;
  runner_.answer.directives.set_cookies = {
      "a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "b=true; Path=/"};
  OutboundResponse response = Get();
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(response.Header("location"),
            "https://app.example/cb?code=1&state=2");
  EXPECT_EQ(response.body, "{}");
  EXPECT_TRUE(
      absl::StartsWith(*response.Header("content-type"), "application/json"));
  EXPECT_EQ(Cookies(response),
            (std::vector<std::string>{
                "a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "b=true; Path=/"}));
}

TEST_F(DirectivesTest, AnErrorStillCarriesTheCookiesButNotTheStatus) {
  runner_.answer.status = ApiError(identity::v1::OUTER_OAUTH_TIMEOUT);
  runner_.answer.directives.status = 303;
  runner_.answer.directives.set_cookies = {"a=; Path=/"};
  OutboundResponse response = Get();
  EXPECT_EQ(response.status, 408);
  EXPECT_TRUE(absl::StrContains(response.body, "OUTER_OAUTH_TIMEOUT"));
  EXPECT_EQ(Cookies(response), std::vector<std::string>{"a=; Path=/"});
}

TEST_F(DirectivesTest, ACookieThatCouldSplitTheResponseIsDropped) {
  runner_.answer.directives.set_cookies = {"a=1\r\nx-evil: 1", "b=2"};
  OutboundResponse response = Get();
  EXPECT_EQ(Cookies(response), std::vector<std::string>{"b=2"});
  EXPECT_EQ(response.Header("x-evil"), std::nullopt);
}

TEST_F(DirectivesTest, TheCookieHeaderReachesTheCall) {
  Get({{"Cookie", "x=1; stack-oauth-inner-abc=true"}});
  EXPECT_EQ(runner_.last_cookie_header, "x=1; stack-oauth-inner-abc=true");
  Get();
  EXPECT_EQ(runner_.last_cookie_header, "");
}

}  // namespace
}  // namespace latchkey::service::gateway
