// The token routes over the REST gateway, on the wire as Stack's SDK and
// OAuth clients see them: form-encoded bodies, exact JSON keys, status
// codes, cache headers and the anonymous-issuer redirect.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {
namespace {

constexpr char kForm[] = "application/x-www-form-urlencoded";

class TokenRestTest : public TokenTest {
 protected:
  HttpResponse Post(const std::string& target, const std::string& body,
                    const HttpHeaders& headers) {
    return HttpCall(app().http_port(), "POST", target, body, headers);
  }
  HttpResponse Get(const std::string& target) {
    return HttpCall(app().http_port(), "GET", target);
  }
  HttpResponse OAuthToken(const std::string& form) {
    return Post("/api/v1/auth/oauth/token", form, {{"content-type", kForm}});
  }
};

std::vector<std::string> Keys(const nlohmann::json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) {
    keys.push_back(it.key());
  }
  return keys;
}

TEST_F(TokenRestTest, OAuthTokenAnswersTheSdksShapeWithNoExtraKeys) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  HttpResponse response = OAuthToken(
      "grant_type=refresh_token&refresh_token=" + signed_up.refresh_token() +
      "&client_id=internal&client_secret=__stack_public_client__");
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  EXPECT_THAT(Keys(body),
              ::testing::UnorderedElementsAre("access_token", "token_type",
                                              "expires_in", "scope"));
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_TRUE(body["expires_in"].is_number_integer()) << response.body;
  EXPECT_EQ(body["expires_in"], 600);
  EXPECT_EQ(body["scope"], "legacy");
  EXPECT_EQ(UnverifiedClaims(body["access_token"])["sub"], signed_up.user_id());
  EXPECT_EQ(response.headers["cache-control"], "no-store, max-age=0");
}

TEST_F(TokenRestTest, OAuthTokenOfARotatingProjectCarriesTheNextToken) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  SetConfigOverride(R"({"refresh_token_rotation": true})");
  HttpResponse response = OAuthToken(
      "grant_type=refresh_token&refresh_token=" + signed_up.refresh_token() +
      "&client_id=internal%23main&client_secret=" +
      TestApp::kPublishableClientKey);
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  ASSERT_TRUE(body.contains("refresh_token"));
  EXPECT_NE(body["refresh_token"], signed_up.refresh_token());
}

TEST_F(TokenRestTest, OAuthTokenErrorsAreStacksKnownErrors) {
  HttpResponse bad_client = OAuthToken(
      "grant_type=refresh_token&refresh_token=x&client_id=internal"
      "&client_secret=pck_wrong");
  EXPECT_EQ(bad_client.status, 400);
  EXPECT_EQ(bad_client.headers["x-stack-known-error"],
            "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
  EXPECT_EQ(bad_client.Json()["details"]["client_id"], "internal");

  HttpResponse not_found = OAuthToken(
      "grant_type=refresh_token&refresh_token=x&client_id=internal"
      "&client_secret=__stack_public_client__");
  EXPECT_EQ(not_found.status, 401);
  EXPECT_EQ(not_found.headers["x-stack-known-error"],
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");

  // Not one of Stack's codes: a JSON body, but no known-error header.
  HttpResponse unsupported = OAuthToken(
      "grant_type=client_credentials&client_id=internal"
      "&client_secret=__stack_public_client__");
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_EQ(unsupported.Json()["code"], "UNSUPPORTED_GRANT_TYPE");
  EXPECT_EQ(unsupported.headers.count("x-stack-known-error"), 0u);
}

TEST_F(TokenRestTest, SessionRefreshRouteReadsTheRefreshTokenHeader) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  HttpResponse response =
      Post("/api/v1/auth/sessions/current/refresh", "{}",
           {{"content-type", "application/json"},
            {"x-stack-project-id", "internal"},
            {"x-stack-access-type", "client"},
            {"x-stack-refresh-token", signed_up.refresh_token()}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(Keys(response.Json()), ::testing::ElementsAre("access_token"));
}

TEST_F(TokenRestTest, RevokeIsFormEncodedAndAnswersSuccess) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  HttpResponse response =
      Post("/api/v1/auth/oauth/revoke",
           "token=" + signed_up.refresh_token() +
               "&token_type_hint=refresh_token&client_id=internal"
               "&client_secret=__stack_public_client__",
           {{"content-type", kForm}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json(), nlohmann::json({{"success", true}}));
  identity::v1::OAuthTokenResponse refreshed;
  EXPECT_EQ(ErrorOf(OAuthRefresh(signed_up.refresh_token(), &refreshed)).reason,
            "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

TEST_F(TokenRestTest, JwksIsPublicAndCacheable) {
  HttpResponse response =
      Get("/api/v1/projects/internal/.well-known/jwks.json"
          "?include_anonymous=true");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers["cache-control"], "public, max-age=3600");
  nlohmann::json body = response.Json();
  EXPECT_THAT(Keys(body), ::testing::ElementsAre("keys"));
  ASSERT_EQ(body["keys"].size(), 6u);
  EXPECT_EQ(
      body["keys"][0],
      nlohmann::json({{"kty", "EC"},
                      {"crv", "P-256"},
                      {"alg", "ES256"},
                      {"kid", "M5zZLA6iQw2n"},
                      {"x", "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k"},
                      {"y", "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4"}}));
  EXPECT_EQ(Get("/api/v1/projects/internal/.well-known/jwks.json")
                .Json()["keys"]
                .size(),
            2u);
}

TEST_F(TokenRestTest, JwksOfAnUnknownProjectIs404) {
  HttpResponse response =
      Get("/api/v1/projects/00000000-0000-4000-8000-000000000000/.well-known/"
          "jwks.json");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers["x-stack-known-error"], "PROJECT_NOT_FOUND");
  EXPECT_EQ(response.Json()["details"]["project_id"],
            "00000000-0000-4000-8000-000000000000");
}

TEST_F(TokenRestTest, AnonymousIssuersJwksRedirects) {
  HttpResponse response =
      Get("/api/v1/projects-anonymous-users/internal/.well-known/jwks.json");
  EXPECT_EQ(response.status, 307);
  EXPECT_EQ(response.headers["location"],
            "http://127.0.0.1/api/v1/projects/internal/.well-known/"
            "jwks.json?include_anonymous=true");
  EXPECT_EQ(Get("/api/v1/projects-anonymous-users/"
                "00000000-0000-4000-8000-000000000000/.well-known/jwks.json")
                .status,
            404);
}

TEST_F(TokenRestTest, AnonymousSignUpTakesNoBodyAtAll) {
  // What Stack's SDK sends: no body, no content-type.
  HttpResponse response = Post(
      "/api/v1/auth/anonymous/sign-up", "",
      {{"x-stack-project-id", "internal"}, {"x-stack-access-type", "client"}});
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  EXPECT_THAT(Keys(body), ::testing::UnorderedElementsAre(
                              "access_token", "refresh_token", "user_id"));
  EXPECT_EQ(UnverifiedClaims(body["access_token"])["sub"], body["user_id"]);
}

TEST_F(TokenRestTest, ValidateAndIntrospectForServices) {
  identity::v1::SignInResponse signed_up = SignUpAnonymously();
  const HttpHeaders server = {
      {"x-stack-project-id", "internal"},
      {"x-stack-access-type", "server"},
      {"x-stack-secret-server-key", TestApp::kSecretServerKey}};
  HttpHeaders json = server;
  json.emplace_back("content-type", "application/json");
  HttpResponse valid =
      Post("/api/v1/tokens/validate",
           nlohmann::json({{"access_token", signed_up.access_token()},
                           {"allow_anonymous", true}})
               .dump(),
           json);
  ASSERT_EQ(valid.status, 200) << valid.body;
  EXPECT_EQ(valid.Json()["claims"]["sub"], signed_up.user_id());
  EXPECT_EQ(valid.Json()["claims"]["restricted_reason"],
            nlohmann::json({{"type", "anonymous"}}));

  HttpHeaders form = server;
  form.emplace_back("content-type", kForm);
  HttpResponse inactive =
      Post("/api/v1/auth/oauth/introspect", "token=garbage", form);
  ASSERT_EQ(inactive.status, 200) << inactive.body;
  EXPECT_EQ(inactive.Json(), nlohmann::json({{"active", false}}));
}

}  // namespace
}  // namespace latchkey::testing
