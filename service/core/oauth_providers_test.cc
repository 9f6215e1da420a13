// The provider table (oauth_providers.cc) row by row, against a recording
// stand-in HttpClient that answers with the shapes the providers document:
// endpoints (and issuer_url / tenant substitution), the authorization URL
// (scopes, PKCE or not, nonce, extra parameters), client authentication at
// the token endpoint, and where id, name, picture, email and "verified"
// come from.
#include "service/core/oauth_providers.h"

#include <map>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "crypto/encoding.h"
#include "crypto/jws_test_signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::map<std::string, std::string> Params(absl::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    std::string value(pair.substr(eq + 1));
    std::string decoded;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 2 < value.size()) {
        decoded.push_back(
            static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        decoded.push_back(value[i] == '+' ? ' ' : value[i]);
      }
    }
    out[std::string(pair.substr(0, eq))] = decoded;
  }
  return out;
}

std::map<std::string, std::string> QueryOf(const std::string& url) {
  const size_t q = url.find('?');
  if (q == std::string::npos) return {};
  return Params(url.substr(q + 1));
}

std::string HeaderOf(const OutboundRequest& request, absl::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

// Answers by exact URL; records every request.
class Recorder : public HttpClient {
 public:
  void Answer(const std::string& url, nlohmann::json body, int status = 200) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_[url] = {status, body.dump()};
  }
  absl::StatusOr<OutboundResponse> Send(
      const OutboundRequest& request) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    sent_.push_back(request);
    OutboundResponse response;
    auto it = answers_.find(request.url);
    if (it == answers_.end()) {
      response.status = 404;
      return response;
    }
    response.status = it->second.first;
    response.body = it->second.second;
    return response;
  }
  std::vector<OutboundRequest> Sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  const OutboundRequest* SentTo(const std::string& url) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const OutboundRequest& request : sent_) {
      if (request.url == url) return &request;
    }
    return nullptr;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<int, std::string>> answers_;
  mutable std::vector<OutboundRequest> sent_;
};

class OAuthProviderTableTest : public ::testing::Test {
 protected:
  OAuthProviderConfig Config(const std::string& type) {
    OAuthProviderConfig provider;
    provider.provider_id = type;
    provider.type = type;
    provider.client_id = "client id";
    provider.client_secret = "secret:1";
    return provider;
  }

  // The authorization URL's query for `provider`.
  std::map<std::string, std::string> Authorize(
      const OAuthProviderConfig& provider, std::string* url = nullptr) {
    auto endpoints = client_.Endpoints(provider);
    EXPECT_TRUE(endpoints.ok()) << endpoints.status();
    const std::string location = client_.AuthorizeUrl(
        provider, *endpoints,
        {.redirect_uri = "https://auth.test/api/v1/auth/oauth/callback/p",
         .state = "inner",
         .code_challenge = "challenge",
         .nonce = "nonce-1",
         .extra_scope = "more"});
    if (url != nullptr) *url = location;
    return QueryOf(location);
  }

  // Code exchange (token answer given) then Identify.
  absl::StatusOr<ProviderIdentity> SignIn(
      const OAuthProviderConfig& provider,
      nlohmann::json token_answer = {{"access_token", "at-1"}},
      std::string posted_user = "") {
    auto endpoints = client_.Endpoints(provider);
    if (!endpoints.ok()) return endpoints.status();
    http_.Answer(endpoints->token_endpoint, std::move(token_answer));
    auto tokens = client_.ExchangeCode(provider, *endpoints, "code-1",
                                       "https://auth.test/cb", "verifier-1");
    if (!tokens.ok()) return tokens.status();
    token_request_ = *http_.SentTo(endpoints->token_endpoint);
    return client_.Identify(provider, *endpoints, *tokens, "nonce-1",
                            posted_user);
  }

  void ExpectBasicAuth() {
    EXPECT_EQ(
        HeaderOf(token_request_, "authorization"),
        absl::StrCat("Basic ", crypto::Base64Encode("client%20id:secret%3A1")));
    EXPECT_EQ(Params(token_request_.body).count("client_secret"), 0u);
  }
  void ExpectPostAuth() {
    EXPECT_EQ(HeaderOf(token_request_, "authorization"), "");
    auto form = Params(token_request_.body);
    EXPECT_EQ(form["client_id"], "client id");
    EXPECT_EQ(form["client_secret"], "secret:1");
  }

  common::FakeClock clock_;
  Recorder http_;
  OAuthProviderClient client_{http_, clock_};
  OutboundRequest token_request_;
};

TEST(OAuthProviderTypes, TheTwelveTypesAndOidc) {
  for (const char* type :
       {"oidc", "google", "github", "microsoft", "spotify", "facebook",
        "discord", "gitlab", "bitbucket", "linkedin", "apple", "x", "twitch"}) {
    EXPECT_TRUE(IsSupportedProviderType(type)) << type;
  }
  EXPECT_FALSE(IsSupportedProviderType("mock"));
  EXPECT_EQ(SupportedProviderTypes().size(), 13u);
  EXPECT_TRUE(ProviderPostsCallback("apple"));
  EXPECT_FALSE(ProviderPostsCallback("github"));
  EXPECT_FALSE(ProviderPostsCallback("oidc"));
}

TEST_F(OAuthProviderTableTest, MicrosoftTenantGraphMailOrPrincipalName) {
  OAuthProviderConfig provider = Config("microsoft");
  std::string url;
  auto query = Authorize(provider, &url);
  EXPECT_TRUE(absl::StartsWith(
      url,
      "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize?"))
      << url;
  EXPECT_EQ(query["scope"], "User.Read openid more");
  EXPECT_EQ(query["code_challenge_method"], "S256");
  provider.microsoft_tenant_id = "contoso.onmicrosoft.com";
  auto endpoints = client_.Endpoints(provider);
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->token_endpoint,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
            "oauth2/v2.0/token");
  EXPECT_EQ(endpoints->userinfo_endpoint,
            "https://graph.microsoft.com/v1.0/me");

  http_.Answer("https://graph.microsoft.com/v1.0/me",
               {{"id", "ms-1"},
                {"displayName", "Ada L"},
                {"mail", nullptr},
                {"userPrincipalName", "ada@contoso.example"}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "ms-1");
  EXPECT_EQ(identity->display_name, "Ada L");
  EXPECT_EQ(identity->email, "ada@contoso.example");
  EXPECT_FALSE(identity->email_verified);
  ExpectBasicAuth();
  EXPECT_EQ(Params(token_request_.body)["code_verifier"], "verifier-1");
  EXPECT_EQ(HeaderOf(*http_.SentTo("https://graph.microsoft.com/v1.0/me"),
                     "authorization"),
            "Bearer at-1");

  http_.Answer("https://graph.microsoft.com/v1.0/me",
               {{"id", "ms-1"},
                {"mail", "ada@mail.example"},
                {"userPrincipalName", "ada@contoso.example"}});
  identity = SignIn(provider);
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->email, "ada@mail.example");
  EXPECT_FALSE(identity->email_verified);
}

TEST_F(OAuthProviderTableTest, BitbucketPrimaryConfirmedEmail) {
  OAuthProviderConfig provider = Config("bitbucket");
  auto query = Authorize(provider);
  EXPECT_EQ(query["scope"], "account email more");
  EXPECT_EQ(query["code_challenge"], "challenge");
  http_.Answer("https://api.bitbucket.org/2.0/user",
               {{"uuid", "{b-1}"},
                {"display_name", "Bo B"},
                {"links", {{"avatar", {{"href", "https://img.test/b.png"}}}}}});
  http_.Answer("https://api.bitbucket.org/2.0/user/emails",
               {{"values",
                 {{{"email", "old@b.example"},
                   {"is_primary", false},
                   {"is_confirmed", true}},
                  {{"email", "bo@b.example"},
                   {"is_primary", true},
                   {"is_confirmed", true}}}}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "{b-1}");
  EXPECT_EQ(identity->display_name, "Bo B");
  EXPECT_EQ(identity->profile_image_url, "https://img.test/b.png");
  EXPECT_EQ(identity->email, "bo@b.example");
  EXPECT_TRUE(identity->email_verified);
  ExpectBasicAuth();

  http_.Answer("https://api.bitbucket.org/2.0/user/emails",
               {{"values",
                 {{{"email", "bo@b.example"},
                   {"is_primary", true},
                   {"is_confirmed", false}}}}});
  identity = SignIn(provider);
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->email, "bo@b.example");
  EXPECT_FALSE(identity->email_verified);

  http_.Answer("https://api.bitbucket.org/2.0/user/emails", {}, 403);
  EXPECT_THAT(SignIn(provider).status(),
              HasErrorCode(identity::v1::OAUTH_PROVIDER_ERROR));
}

TEST_F(OAuthProviderTableTest, TwitchHelixWithClientIdHeaderAndPostAuth) {
  OAuthProviderConfig provider = Config("twitch");
  EXPECT_EQ(Authorize(provider)["scope"], "user:read:email more");
  http_.Answer("https://api.twitch.tv/helix/users",
               {{"data",
                 {{{"id", "t-1"},
                   {"login", "tee"},
                   {"display_name", "Tee"},
                   {"email", "tee@t.example"},
                   {"profile_image_url", "https://img.test/t.png"}}}}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "t-1");
  EXPECT_EQ(identity->display_name, "Tee");
  EXPECT_EQ(identity->profile_image_url, "https://img.test/t.png");
  EXPECT_EQ(identity->email, "tee@t.example");
  EXPECT_TRUE(identity->email_verified);
  ExpectPostAuth();
  EXPECT_EQ(
      HeaderOf(*http_.SentTo("https://api.twitch.tv/helix/users"), "client-id"),
      "client id");

  // No user in the list: refused, not an empty id.
  http_.Answer("https://api.twitch.tv/helix/users",
               {{"data", nlohmann::json::array()}});
  EXPECT_THAT(SignIn(provider).status(),
              HasErrorCode(identity::v1::OAUTH_PROVIDER_ERROR));
}

TEST_F(OAuthProviderTableTest, XHasNoEmailAndUsesPkce) {
  OAuthProviderConfig provider = Config("x");
  auto query = Authorize(provider);
  EXPECT_EQ(query["scope"], "users.read offline.access tweet.read more");
  EXPECT_EQ(query["code_challenge"], "challenge");
  EXPECT_EQ(query["code_challenge_method"], "S256");
  EXPECT_EQ(query.count("nonce"), 0u);
  http_.Answer(
      "https://api.twitter.com/2/users/me?user.fields=profile_image_url",
      {{"data",
        {{"id", "x-1"},
         {"name", "Ex"},
         {"username", "ex"},
         {"profile_image_url", "https://img.test/x.png"}}}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "x-1");
  EXPECT_EQ(identity->display_name, "Ex");
  EXPECT_EQ(identity->profile_image_url, "https://img.test/x.png");
  EXPECT_EQ(identity->email, std::nullopt);
  EXPECT_FALSE(identity->email_verified);
  ExpectBasicAuth();
  EXPECT_EQ(Params(token_request_.body)["code_verifier"], "verifier-1");
}

TEST_F(OAuthProviderTableTest, LinkedInUserinfoWithoutPkce) {
  OAuthProviderConfig provider = Config("linkedin");
  auto query = Authorize(provider);
  EXPECT_EQ(query["scope"], "openid profile email more");
  EXPECT_EQ(query.count("code_challenge"), 0u);
  EXPECT_EQ(query.count("code_challenge_method"), 0u);
  http_.Answer("https://api.linkedin.com/v2/userinfo",
               {{"sub", "li-1"},
                {"name", "Lin K"},
                {"picture", "https://img.test/l.png"},
                {"email", "lin@l.example"},
                {"email_verified", true}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "li-1");
  EXPECT_EQ(identity->display_name, "Lin K");
  EXPECT_EQ(identity->profile_image_url, "https://img.test/l.png");
  EXPECT_EQ(identity->email, "lin@l.example");
  EXPECT_TRUE(identity->email_verified);
  ExpectPostAuth();
  EXPECT_EQ(Params(token_request_.body).count("code_verifier"), 0u);

  http_.Answer(
      "https://api.linkedin.com/v2/userinfo",
      {{"sub", "li-1"}, {"email", "lin@l.example"}, {"email_verified", false}});
  identity = SignIn(provider);
  ASSERT_TRUE(identity.ok());
  EXPECT_FALSE(identity->email_verified);
}

TEST_F(OAuthProviderTableTest, FacebookConfigIdPictureAndUnverifiedEmail) {
  OAuthProviderConfig provider = Config("facebook");
  auto query = Authorize(provider);
  EXPECT_EQ(query["scope"], "openid public_profile email more");
  EXPECT_EQ(query.count("config_id"), 0u);
  provider.facebook_config_id = "998877";
  EXPECT_EQ(Authorize(provider)["config_id"], "998877");
  const std::string me =
      "https://graph.facebook.com/v19.0/me?fields=id,name,email,picture";
  http_.Answer(
      me,
      {{"id", "fb-1"},
       {"name", "Fay B"},
       {"email", "fay@f.example"},
       {"picture",
        {{"data",
          {{"url", "https://img.test/f.png"}, {"is_silhouette", false}}}}}});
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "fb-1");
  EXPECT_EQ(identity->display_name, "Fay B");
  EXPECT_EQ(identity->profile_image_url, "https://img.test/f.png");
  EXPECT_EQ(identity->email, "fay@f.example");
  EXPECT_FALSE(identity->email_verified);
  ExpectPostAuth();
}

TEST_F(OAuthProviderTableTest, IssuerUrlReplacesEveryOrigin) {
  OAuthProviderConfig provider = Config("microsoft");
  provider.issuer_url = "http://127.0.0.1:9999/";
  provider.microsoft_tenant_id = "organizations";
  auto endpoints = client_.Endpoints(provider);
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->authorization_endpoint,
            "http://127.0.0.1:9999/organizations/oauth2/v2.0/authorize");
  EXPECT_EQ(endpoints->userinfo_endpoint, "http://127.0.0.1:9999/v1.0/me");
  provider = Config("apple");
  provider.issuer_url = "http://127.0.0.1:9999";
  endpoints = client_.Endpoints(provider);
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->issuer, "http://127.0.0.1:9999");
  EXPECT_EQ(endpoints->jwks_uri, "http://127.0.0.1:9999/auth/keys");
  EXPECT_EQ(endpoints->token_endpoint, "http://127.0.0.1:9999/auth/token");
}

class AppleTest : public OAuthProviderTableTest {
 protected:
  std::string IdToken(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json claims = {{"iss", "https://appleid.apple.com"},
                             {"aud", "client id"},
                             {"sub", "001234.apple"},
                             {"exp", 1'700'000'000 + 600},
                             {"iat", 1'700'000'000},
                             {"nonce", "nonce-1"},
                             {"email", "ap@privaterelay.appleid.com"},
                             {"email_verified", "true"}};
    for (auto& [key, value] : extra.items()) claims[key] = value;
    return signer_.Sign(claims);
  }
  crypto::TestJwsSigner signer_{"ES256", "apple-1"};
};

TEST_F(AppleTest, FormPostNonceAndTheIdTokenAgainstTheKeySet) {
  OAuthProviderConfig provider = Config("apple");
  auto query = Authorize(provider);
  EXPECT_EQ(query["response_mode"], "form_post");
  EXPECT_EQ(query["scope"], "name email more");
  EXPECT_EQ(query["nonce"], "nonce-1");
  http_.Answer("https://appleid.apple.com/auth/keys", signer_.jwks());
  auto identity = SignIn(
      provider, {{"access_token", "at-1"}, {"id_token", IdToken()}},
      R"({"name":{"firstName":"Ann","lastName":"Pell"},"email":"x@y.z"})");
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "001234.apple");
  EXPECT_EQ(identity->email, "ap@privaterelay.appleid.com");
  EXPECT_TRUE(identity->email_verified);
  EXPECT_EQ(identity->display_name, "Ann Pell");
  ExpectPostAuth();

  // A string "false" is not verified; a posted user that is not JSON
  // gives no name.
  identity = SignIn(provider,
                    {{"access_token", "at-1"},
                     {"id_token", IdToken({{"email_verified", "false"}})}},
                    "Ann");
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_FALSE(identity->email_verified);
  EXPECT_EQ(identity->display_name, std::nullopt);
}

TEST_F(AppleTest, RefusesForeignOrMissingTokens) {
  OAuthProviderConfig provider = Config("apple");
  http_.Answer("https://appleid.apple.com/auth/keys", signer_.jwks());
  for (const nlohmann::json& bad :
       {nlohmann::json{{"iss", "https://evil.example"}},
        nlohmann::json{{"aud", "another-client"}},
        nlohmann::json{{"nonce", "another-nonce"}},
        nlohmann::json{{"exp", 1'700'000'000 - 3600}}}) {
    EXPECT_THAT(
        SignIn(provider, {{"access_token", "at-1"}, {"id_token", IdToken(bad)}})
            .status(),
        HasErrorCode(identity::v1::OAUTH_PROVIDER_ERROR))
        << bad.dump();
  }
  crypto::TestJwsSigner other("ES256", "apple-1");
  nlohmann::json claims = {{"iss", "https://appleid.apple.com"},
                           {"aud", "client id"},
                           {"sub", "001234.apple"},
                           {"exp", 1'700'000'600},
                           {"iat", 1'700'000'000},
                           {"nonce", "nonce-1"}};
  EXPECT_THAT(SignIn(provider, {{"access_token", "at-1"},
                                {"id_token", other.Sign(claims)}})
                  .status(),
              HasErrorCode(identity::v1::OAUTH_PROVIDER_ERROR));
  EXPECT_THAT(SignIn(provider, {{"access_token", "at-1"}}).status(),
              HasErrorCode(identity::v1::OAUTH_PROVIDER_ERROR));
}

TEST_F(OAuthProviderTableTest, ExistingRowsKeepTheirShape) {
  OAuthProviderConfig provider = Config("github");
  auto query = Authorize(provider);
  EXPECT_EQ(query["scope"], "user:email more");
  EXPECT_EQ(query["access_type"], "offline");
  EXPECT_EQ(query["prompt"], "consent");
  http_.Answer("https://api.github.com/user",
               {{"id", 42}, {"name", "Gi"}, {"avatar_url", "https://a/g"}});
  http_.Answer(
      "https://api.github.com/user/emails",
      nlohmann::json::array(
          {{{"email", "g@h.example"}, {"primary", true}, {"verified", true}}}));
  auto identity = SignIn(provider);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->account_id, "42");
  EXPECT_EQ(identity->email, "g@h.example");
  EXPECT_TRUE(identity->email_verified);
  ExpectBasicAuth();

  provider = Config("gitlab");
  http_.Answer("https://gitlab.com/api/v4/user",
               {{"id", 7},
                {"name", "Gl"},
                {"email", "gl@g.example"},
                {"confirmed_at", "2024-01-01T00:00:00Z"}});
  identity = SignIn(provider);
  ASSERT_TRUE(identity.ok());
  EXPECT_TRUE(identity->email_verified);
  http_.Answer(
      "https://gitlab.com/api/v4/user",
      {{"id", 7}, {"email", "gl@g.example"}, {"confirmed_at", nullptr}});
  identity = SignIn(provider);
  ASSERT_TRUE(identity.ok());
  EXPECT_FALSE(identity->email_verified);
}

}  // namespace
}  // namespace latchkey::service::core
