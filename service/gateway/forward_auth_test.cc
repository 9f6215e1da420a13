#include "service/gateway/forward_auth.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"
#include "service/errors/api_error.h"

namespace latchkey::service::gateway {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;

HttpRequest Verify(std::string target,
                   std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = std::move(headers);
  request.client_ip = "127.0.0.1";
  return request;
}

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(ForwardAuthPath, ExactOrUnder) {
  EXPECT_TRUE(IsForwardAuthPath("/forward-auth"));
  EXPECT_TRUE(IsForwardAuthPath("/forward-auth/docs/1"));
  EXPECT_FALSE(IsForwardAuthPath("/forward-authx"));
  EXPECT_FALSE(IsForwardAuthPath("/api/v1/forward-auth"));
}

TEST(CheckRequestFor, CaddyAndTraefikHeadersNameTheOriginal) {
  CheckRequest check = CheckRequestFor(
      Verify("/forward-auth", {{"x-forwarded-method", "POST"},
                               {"x-forwarded-uri", "/docs?page=2"},
                               {"x-original-uri", "/ignored"},
                               {"x-forwarded-host", "app.example.com"},
                               {"host", "127.0.0.1:9000"},
                               {"authorization", "Bearer t"}}));
  const auto& http = check.attributes().request().http();
  EXPECT_EQ(http.method(), "POST");
  EXPECT_EQ(http.path(), "/docs?page=2");
  EXPECT_EQ(http.host(), "app.example.com");
  EXPECT_EQ(http.headers().at("authorization"), "Bearer t");
  EXPECT_TRUE(check.attributes().context_extensions().empty());
}

TEST(CheckRequestFor, NginxHeadersNameTheOriginal) {
  CheckRequest check =
      CheckRequestFor(Verify("/forward-auth", {{"x-original-method", "DELETE"},
                                               {"x-original-uri", "/docs/7"},
                                               {"host", "app.example.com"}}));
  EXPECT_EQ(check.attributes().request().http().method(), "DELETE");
  EXPECT_EQ(check.attributes().request().http().path(), "/docs/7");
  EXPECT_EQ(check.attributes().request().http().host(), "app.example.com");
}

TEST(CheckRequestFor, EnvoyHttpModeAppendsTheOriginalPath) {
  HttpRequest request = Verify("/forward-auth/docs/7", {});
  request.method = "PUT";
  CheckRequest check = CheckRequestFor(request);
  EXPECT_EQ(check.attributes().request().http().method(), "PUT");
  EXPECT_EQ(check.attributes().request().http().path(), "/docs/7");
}

TEST(CheckRequestFor, QueryParametersAreTheRouteRequirements) {
  CheckRequest check = CheckRequestFor(
      Verify("/forward-auth?permission=%24read_members&team_header=x-team-id"
             "&allow_anonymous=true&allow_restricted=true&project_id=p1"
             "&unknown=1",
             {}));
  const auto& extensions = check.attributes().context_extensions();
  EXPECT_EQ(extensions.size(), 5u);
  EXPECT_EQ(extensions.at("latchkey.permission"), "$read_members");
  EXPECT_EQ(extensions.at("latchkey.team_header"), "x-team-id");
  EXPECT_EQ(extensions.at("latchkey.allow_anonymous"), "true");
  EXPECT_EQ(extensions.at("latchkey.allow_restricted"), "true");
  EXPECT_EQ(extensions.at("latchkey.project_id"), "p1");
}

TEST(CheckRequestFor, MalformedEscapesAreTakenAsWritten) {
  CheckRequest check =
      CheckRequestFor(Verify("/forward-auth?permission=read%zzdocs", {}));
  EXPECT_EQ(check.attributes().context_extensions().at("latchkey.permission"),
            "read%zzdocs");
}

TEST(CheckRequestFor, HeadersTooLongToCheckAreLeftOut) {
  CheckRequest check = CheckRequestFor(Verify(
      "/forward-auth",
      {{"cookie", std::string(9000, 'c')}, {"authorization", "Bearer t"}}));
  const auto& headers = check.attributes().request().http().headers();
  EXPECT_EQ(headers.count("cookie"), 0u);
  EXPECT_EQ(headers.at("authorization"), "Bearer t");
}

TEST(CheckRequestFor, RepeatedHeadersAreJoinedAsEnvoyJoinsThem) {
  CheckRequest check =
      CheckRequestFor(Verify("/forward-auth", {{"x-latchkey-user-id", "a"},
                                               {"x-latchkey-user-id", "b"}}));
  EXPECT_EQ(
      check.attributes().request().http().headers().at("x-latchkey-user-id"),
      "a,b");
}

TEST(ForwardAuthAnswer, ClearedHeadersAreSentEmpty) {
  CheckResponse response;
  auto* header = response.mutable_ok_response()->add_headers();
  header->mutable_header()->set_key("x-user-email");
  header->mutable_header()->set_value("ann@example.com");
  response.mutable_ok_response()->add_headers_to_remove("x-user-name");
  response.mutable_ok_response()->add_headers_to_remove("x-latchkey-team-id");
  HttpResponse out = ForwardAuthAnswer(absl::OkStatus(), response);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(HeaderOf(out, "x-user-email"), "ann@example.com");
  ASSERT_EQ(
      std::count_if(out.headers.begin(), out.headers.end(),
                    [](const auto& h) { return h.first == "x-user-name"; }),
      1);
  EXPECT_EQ(HeaderOf(out, "x-user-name"), "");
  EXPECT_EQ(std::count_if(
                out.headers.begin(), out.headers.end(),
                [](const auto& h) { return h.first == "x-latchkey-team-id"; }),
            1);
}

TEST(ForwardAuthAnswer, AllowedIs200WithTheIdentityHeaders) {
  CheckResponse response;
  auto* header = response.mutable_ok_response()->add_headers();
  header->mutable_header()->set_key("x-latchkey-user-id");
  header->mutable_header()->set_value("u1");
  HttpResponse out = ForwardAuthAnswer(absl::OkStatus(), response);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(HeaderOf(out, "x-latchkey-user-id"), "u1");
  // Present and empty: no team selected.
  EXPECT_EQ(HeaderOf(out, "x-latchkey-team-id"), "");
  EXPECT_TRUE(out.body.empty());

  header = response.mutable_ok_response()->add_headers();
  header->mutable_header()->set_key("x-latchkey-team-id");
  header->mutable_header()->set_value("t1");
  out = ForwardAuthAnswer(absl::OkStatus(), response);
  EXPECT_EQ(HeaderOf(out, "x-latchkey-team-id"), "t1");
  EXPECT_EQ(std::count_if(
                out.headers.begin(), out.headers.end(),
                [](const auto& h) { return h.first == "x-latchkey-team-id"; }),
            1);
}

TEST(ForwardAuthAnswer, DenialKeepsItsStatusHeadersAndBody) {
  CheckResponse response;
  response.mutable_status()->set_code(16);
  auto* denied = response.mutable_denied_response();
  denied->mutable_status()->set_code(envoy::type::v3::Unauthorized);
  auto* header = denied->add_headers();
  header->mutable_header()->set_key("www-authenticate");
  header->mutable_header()->set_value("Bearer realm=\"latchkey\"");
  denied->set_body("{\"code\":\"USER_AUTHENTICATION_REQUIRED\"}");
  HttpResponse out = ForwardAuthAnswer(absl::OkStatus(), response);
  EXPECT_EQ(out.status, 401);
  EXPECT_EQ(HeaderOf(out, "www-authenticate"), "Bearer realm=\"latchkey\"");
  EXPECT_EQ(out.body, denied->body());

  // Any other denial status is 403, the only other one proxies pass on.
  denied->mutable_status()->set_code(envoy::type::v3::BadRequest);
  EXPECT_EQ(ForwardAuthAnswer(absl::OkStatus(), response).status, 403);
  response.clear_denied_response();
  EXPECT_EQ(ForwardAuthAnswer(absl::OkStatus(), response).status, 403);
}

TEST(ForwardAuthAnswer, NoDecisionIsAServerError) {
  HttpResponse out = ForwardAuthAnswer(absl::UnavailableError("database down"),
                                       CheckResponse());
  EXPECT_GE(out.status, 500);
  EXPECT_EQ(out.body.find("database down"), std::string::npos);
}

}  // namespace
}  // namespace latchkey::service::gateway
