// Which client address the per-address abuse limits count: the peer's,
// unless the peer is a configured trusted proxy, whose X-Forwarded-For
// then names the client. Over REST and over gRPC, against a whole
// latchkeyd, with anonymous sign-up's per-address limit as the witness.
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "service/pipeline/trusted_proxies.h"
#include "tests/integration/test_app.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

class ClientAddressTest : public ::testing::TestWithParam<bool> {
 protected:
  // GetParam(): whether 127.0.0.1 (the test, calling) is a trusted proxy.
  void SetUp() override {
    auto app = TestApp::Start({.configure = [](service::ServerConfig& config) {
      if (GetParam()) {
        config.trusted_proxies =
            *service::TrustedProxies::Parse("127.0.0.1, ::1");
      }
    }});
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    auto& context = app_->app().context();
    ASSERT_TRUE(
        context.database
            .Run([&](storage::Repositories& repos) {
              storage::ConfigOverrideRecord record{
                  "internal", "project",
                  R"({"rate_limits.anonymous_sign_up_per_ip": {"limit": 2, "window_seconds": 3600}})",
                  absl::Now()};
              return repos.projects().SetConfigOverride(record);
            })
            .ok());
    context.projects.Invalidate("internal");
  }

  HttpResponse RestSignUpWith(HttpHeaders extra) {
    HttpHeaders headers = {{"x-stack-project-id", "internal"},
                           {"x-stack-access-type", "client"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return HttpCall(app_->http_port(), "POST", "/api/v1/auth/anonymous/sign-up",
                    "", headers);
  }

  int RestSignUp(const std::string& forwarded_for) {
    HttpHeaders extra;
    if (!forwarded_for.empty())
      extra.push_back({"x-forwarded-for", forwarded_for});
    return RestSignUpWith(extra).status;
  }

  std::string GrpcSignUp(const std::string& forwarded_for,
                         const HttpHeaders& extra = {}) {
    auto auth = identity::v1::AuthService::NewStub(app_->Channel());
    grpc::ClientContext call;
    TestApp::AsClient(call);
    for (const auto& [key, value] : extra) call.AddMetadata(key, value);
    if (!forwarded_for.empty())
      call.AddMetadata("x-forwarded-for", forwarded_for);
    identity::v1::SignInResponse response;
    return ErrorOf(auth->AnonymousSignUp(&call, {}, &response)).reason;
  }

  std::unique_ptr<TestApp> app_;
};

TEST_P(ClientAddressTest, RestCountsTheForwardedClientOnlyFromATrustedProxy) {
  EXPECT_EQ(RestSignUp("198.51.100.9, 203.0.113.1"), 200);
  EXPECT_EQ(RestSignUp("203.0.113.1"), 200);
  EXPECT_EQ(RestSignUp("203.0.113.1"), 429);
  // Another client behind the same balancer has a budget of its own; an
  // untrusted peer's header means nothing, so there it is the same peer.
  EXPECT_EQ(RestSignUp("203.0.113.2"), GetParam() ? 200 : 429);
  // A forged entry to the left of the real one changes nothing.
  EXPECT_EQ(RestSignUp("203.0.113.2, 203.0.113.1"), 429);
}

TEST_P(ClientAddressTest, GrpcCountsTheForwardedClientOnlyFromATrustedProxy) {
  EXPECT_EQ(GrpcSignUp("203.0.113.1"), "");
  EXPECT_EQ(GrpcSignUp("203.0.113.1"), "");
  EXPECT_EQ(GrpcSignUp("203.0.113.1"), "RATE_LIMITED");
  EXPECT_EQ(GrpcSignUp("203.0.113.2"), GetParam() ? "" : "RATE_LIMITED");
}

// The gateway's own x-latchkey-* keys name the client address and request
// id it saw; a client sending them must change nothing. (A client's copy
// used to be forwarded ahead of the gateway's and win.)
TEST_P(ClientAddressTest, RestClientCannotChooseItsOwnAddress) {
  const std::string real = GetParam() ? "203.0.113.1" : "";
  EXPECT_EQ(RestSignUp(real), 200);
  EXPECT_EQ(RestSignUp(real), 200);
  EXPECT_EQ(RestSignUp(real), 429);
  HttpHeaders forged = {{"x-latchkey-client-ip", "192.0.2.77"}};
  if (!real.empty()) forged.push_back({"x-forwarded-for", real});
  EXPECT_EQ(RestSignUpWith(forged).status, 429);
  forged[0].first = "X-Latchkey-Client-IP";
  EXPECT_EQ(RestSignUpWith(forged).status, 429);
}

TEST_P(ClientAddressTest, RestClientWithAGatewayTokenStaysInItsOwnBudget) {
  const std::string real = GetParam() ? "203.0.113.1" : "";
  EXPECT_EQ(RestSignUp(real), 200);
  EXPECT_EQ(RestSignUp(real), 200);
  // A wrong token used to make the server disbelieve the gateway and count
  // the call against the in-process peer: a budget shared with no one.
  HttpHeaders forged = {{"x-latchkey-gateway-token", "guess"},
                        {"x-latchkey-client-ip", "192.0.2.78"}};
  if (!real.empty()) forged.push_back({"x-forwarded-for", real});
  EXPECT_EQ(RestSignUpWith(forged).status, 429);
}

TEST_P(ClientAddressTest, RestClientCannotChooseTheRequestId) {
  HttpResponse response =
      RestSignUpWith({{"x-latchkey-request-id", "forged-request-id"}});
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(response.headers.count("x-stack-request-id"), 1u);
  EXPECT_NE(response.headers.at("x-stack-request-id"), "forged-request-id");
  EXPECT_FALSE(response.headers.at("x-stack-request-id").empty());
}

TEST_P(ClientAddressTest, GrpcClientCannotChooseItsOwnAddress) {
  const HttpHeaders forged = {{"x-latchkey-client-ip", "192.0.2.79"},
                              {"x-latchkey-gateway-token", "guess"}};
  EXPECT_EQ(GrpcSignUp("203.0.113.1"), "");
  EXPECT_EQ(GrpcSignUp("203.0.113.1"), "");
  EXPECT_EQ(GrpcSignUp("203.0.113.1", forged), "RATE_LIMITED");
}

INSTANTIATE_TEST_SUITE_P(Proxies, ClientAddressTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Trusted" : "Untrusted";
                         });

}  // namespace
}  // namespace latchkey::testing
