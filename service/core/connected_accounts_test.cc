// Connected accounts against a stand-in provider (a fake HttpClient that
// answers discovery and the refresh_token grant): stored tokens handed out
// while fresh, refreshed (and stored sealed again) when expired, and the
// refusals: no link, missing scope, refused refresh, a sealed token moved
// to another link, the provider's switch off.
#include "service/core/connected_accounts.h"

#include <mutex>

#include "absl/strings/str_split.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_provider_settings.h"
#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using ::testing::Eq;

constexpr char kIssuer[] = "https://idp.test";

class FakeProvider : public HttpClient {
 public:
  absl::StatusOr<OutboundResponse> Send(
      const OutboundRequest& request) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    OutboundResponse response;
    response.status = 200;
    if (request.url ==
        absl::StrCat(kIssuer, "/.well-known/openid-configuration")) {
      response.body =
          nlohmann::json(
              {{"issuer", kIssuer},
               {"authorization_endpoint", absl::StrCat(kIssuer, "/auth")},
               {"token_endpoint", absl::StrCat(kIssuer, "/token")},
               {"jwks_uri", absl::StrCat(kIssuer, "/jwks")}})
              .dump();
    } else if (request.url == absl::StrCat(kIssuer, "/token")) {
      ++refreshes;
      last_body = request.body;
      if (refuse ||
          request.body.find("refresh_token=refresh-1") == std::string::npos) {
        response.status = 400;
        response.body = R"({"error":"invalid_grant"})";
        return response;
      }
      response.body = nlohmann::json({{"access_token", "access-2"},
                                      {"token_type", "Bearer"},
                                      {"expires_in", 3600},
                                      {"scope", "openid profile"}})
                          .dump();
    } else {
      response.status = 404;
    }
    return response;
  }

  mutable std::mutex mutex_;
  mutable int refreshes = 0;
  mutable std::string last_body;
  bool refuse = false;
};

class ConnectedAccountsTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
    box_ = std::make_unique<crypto::SecretBox>(
        *OAuthClientSecretBox(kServerSecret, std::nullopt));
    providers_ = std::make_unique<OAuthProviderClient>(fake_, clock_);
    SetProvider(/*allow_connected_accounts=*/true);
    flow_ = std::make_unique<OAuthSignIn>(
        OAuthSignInDeps{.services = *services_,
                        .projects = *directory_,
                        .providers = *providers_,
                        .client_secret_box = *box_,
                        .public_url = "https://auth.example.com",
                        .internal_providers = {}});
    accounts_ = std::make_unique<ConnectedAccounts>(
        ConnectedAccountsDeps{.database = *db_,
                              .clock = clock_,
                              .sign_in = *flow_,
                              .providers = *providers_,
                              .token_box = *box_});
    user_ = AddUser("alice@example.com", std::nullopt);
  }

  void SetProvider(bool allow_connected_accounts) {
    OAuthProviderSettings settings(
        *db_, *directory_, clock_,
        *OAuthClientSecretBox(kServerSecret, std::nullopt));
    OAuthProviderInput input;
    input.provider_id = "idp";
    input.type = "oidc";
    input.client_id = "client-1";
    input.client_secret = "secret-1";
    input.issuer_url = kIssuer;
    input.enabled = true;
    input.allow_connected_accounts = allow_connected_accounts;
    ASSERT_TRUE(settings.Upsert("internal", input).ok());
  }

  std::string Seal(const std::string& link_id, OAuthAccountToken which,
                   const std::string& token) {
    auto sealed =
        SealOAuthAccountToken(*box_, "internal", link_id, which, token);
    EXPECT_TRUE(sealed.ok());
    return *sealed;
  }

  // A link of the user at "idp" with these tokens.
  void Link(const std::string& link_id, absl::Duration access_life,
            std::vector<std::string> scopes = {"openid", "profile"},
            bool with_refresh = true, bool allow_connected = true) {
    storage::OAuthAccountRecord link;
    link.id = link_id;
    link.project_id = "internal";
    link.user_id = user_;
    link.provider_id = "idp";
    link.provider_account_id = absl::StrCat("sub-", link_id);
    link.allow_connected_accounts = allow_connected;
    link.created_at = clock_.Now();
    link.access_token_sealed =
        Seal(link_id, OAuthAccountToken::kAccess, "access-1");
    if (with_refresh) {
      link.refresh_token_sealed =
          Seal(link_id, OAuthAccountToken::kRefresh, "refresh-1");
    }
    link.access_token_expires_at = clock_.Now() + access_life;
    link.granted_scopes = std::move(scopes);
    ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     return repos.oauth_accounts().Create(link);
                   })
                    .ok());
  }

  absl::StatusOr<std::string> Token(
      const std::string& scope = "",
      std::optional<std::string> provider_account_id = std::nullopt) {
    auto project = *directory_->Get("internal");
    return accounts_->AccessToken(
        {.project = *project,
         .user_id = user_,
         .provider_id = "idp",
         .scope = scope,
         .provider_account_id = std::move(provider_account_id)});
  }

  FakeProvider fake_;
  std::unique_ptr<ProjectDirectory> directory_;
  std::unique_ptr<crypto::SecretBox> box_;
  std::unique_ptr<OAuthProviderClient> providers_;
  std::unique_ptr<OAuthSignIn> flow_;
  std::unique_ptr<ConnectedAccounts> accounts_;
  std::string user_;
};

TEST_F(ConnectedAccountsTest, FreshStoredTokenIsHandedOutAsIs) {
  Link("link-1", absl::Hours(1));
  auto token = Token("profile");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "access-1");
  EXPECT_EQ(fake_.refreshes, 0);
}

TEST_F(ConnectedAccountsTest, ExpiredTokenIsRefreshedAndStoredSealed) {
  // Inside the five-minute margin counts as expired.
  Link("link-1", absl::Minutes(4));
  auto token = Token("openid");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "access-2");
  EXPECT_EQ(fake_.refreshes, 1);
  EXPECT_NE(fake_.last_body.find("grant_type=refresh_token"),
            std::string::npos);
  EXPECT_NE(fake_.last_body.find("scope=openid"), std::string::npos);
  std::optional<storage::OAuthAccountRecord> stored;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                   auto found =
                       repos.oauth_accounts().Get("internal", "link-1");
                   if (!found.ok()) return found.status();
                   stored = *std::move(found);
                   return absl::OkStatus();
                 })
                  .ok());
  ASSERT_TRUE(stored.has_value());
  ASSERT_TRUE(stored->access_token_sealed.has_value());
  EXPECT_EQ(stored->access_token_sealed->find("access-2"), std::string::npos);
  EXPECT_EQ(OpenOAuthAccountToken(*box_, "internal", "link-1",
                                  OAuthAccountToken::kAccess,
                                  *stored->access_token_sealed)
                ->plaintext,
            "access-2");
  EXPECT_EQ(stored->access_token_expires_at, clock_.Now() + absl::Hours(1));
  // The refresh answer gave no refresh token: the old one stays.
  EXPECT_EQ(OpenOAuthAccountToken(*box_, "internal", "link-1",
                                  OAuthAccountToken::kRefresh,
                                  *stored->refresh_token_sealed)
                ->plaintext,
            "refresh-1");
  // The new token is now fresh: no second refresh.
  auto again = Token("openid");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "access-2");
  EXPECT_EQ(fake_.refreshes, 1);
}

TEST_F(ConnectedAccountsTest, MissingScopeIsRefused) {
  Link("link-1", absl::Hours(1), {"openid"});
  EXPECT_THAT(Token("openid repo"),
              HasErrorCode(
                  identity::v1::OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE));
  EXPECT_EQ(fake_.refreshes, 0);
}

TEST_F(ConnectedAccountsTest, UserWithoutAConnectedLinkIsNotConnected) {
  EXPECT_THAT(
      Token(),
      HasErrorCode(identity::v1::OAUTH_CONNECTION_NOT_CONNECTED_TO_USER));
  // A link that does not allow connected accounts does not count.
  Link("link-1", absl::Hours(1), {"openid"}, true, /*allow_connected=*/false);
  EXPECT_THAT(
      Token(),
      HasErrorCode(identity::v1::OAUTH_CONNECTION_NOT_CONNECTED_TO_USER));
  auto project = *directory_->Get("internal");
  auto listed = accounts_->List(*project, user_);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(ConnectedAccountsTest, RefusedRefreshIsNotAvailable) {
  Link("link-1", -absl::Minutes(1));
  fake_.refuse = true;
  auto token = Token("openid");
  EXPECT_THAT(token,
              HasErrorCode(identity::v1::OAUTH_ACCESS_TOKEN_NOT_AVAILABLE));
  EXPECT_THAT(token, HasErrorDetail("provider", "idp"));
  EXPECT_EQ(fake_.refreshes, 1);
}

TEST_F(ConnectedAccountsTest, ExpiredWithoutRefreshTokenIsNotAvailable) {
  Link("link-1", -absl::Minutes(1), {"openid"}, /*with_refresh=*/false);
  EXPECT_THAT(Token(),
              HasErrorCode(identity::v1::OAUTH_ACCESS_TOKEN_NOT_AVAILABLE));
  EXPECT_EQ(fake_.refreshes, 0);
}

TEST_F(ConnectedAccountsTest, TokenSealedForAnotherLinkDoesNotOpen) {
  storage::OAuthAccountRecord link;
  link.id = "link-2";
  link.project_id = "internal";
  link.user_id = user_;
  link.provider_id = "idp";
  link.provider_account_id = "sub-2";
  link.created_at = clock_.Now();
  // Sealed for link-1, stored on link-2 (a row copied by hand).
  link.access_token_sealed =
      Seal("link-1", OAuthAccountToken::kAccess, "access-1");
  link.access_token_expires_at = clock_.Now() + absl::Hours(1);
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.oauth_accounts().Create(link);
                 })
                  .ok());
  auto token = Token();
  EXPECT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ConnectedAccountsTest, ProviderWithConnectedAccountsOffIsRefused) {
  Link("link-1", absl::Hours(1));
  SetProvider(/*allow_connected_accounts=*/false);
  directory_->Invalidate("internal");
  EXPECT_THAT(
      Token(),
      HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
}

TEST_F(ConnectedAccountsTest, OneAccountIsThatAccountOnly) {
  // link-1 (sub-link-1) has expired with nothing to refresh it; link-2
  // (sub-link-2) is fresh.
  Link("link-1", -absl::Minutes(1), {"openid"}, /*with_refresh=*/false);
  Link("link-2", absl::Hours(1), {"openid"});
  // Any account: link-2's token.
  auto any = Token();
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ(*any, "access-1");
  // sub-link-1 alone: not link-2's token.
  EXPECT_THAT(Token("", "sub-link-1"),
              HasErrorCode(identity::v1::OAUTH_ACCESS_TOKEN_NOT_AVAILABLE));
  auto second = Token("openid", "sub-link-2");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, "access-1");
  EXPECT_THAT(
      Token("", "sub-unknown"),
      HasErrorCode(identity::v1::OAUTH_CONNECTION_NOT_CONNECTED_TO_USER));
  // Another user's account at the provider is not this user's.
  const std::string bob = AddUser("bob@example.com", std::nullopt);
  storage::OAuthAccountRecord bobs;
  bobs.id = "link-bob";
  bobs.project_id = "internal";
  bobs.user_id = bob;
  bobs.provider_id = "idp";
  bobs.provider_account_id = "sub-bob";
  bobs.allow_connected_accounts = true;
  bobs.created_at = clock_.Now();
  bobs.access_token_sealed =
      Seal("link-bob", OAuthAccountToken::kAccess, "bobs-access");
  bobs.access_token_expires_at = clock_.Now() + absl::Hours(1);
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.oauth_accounts().Create(bobs);
                 })
                  .ok());
  EXPECT_THAT(
      Token("", "sub-bob"),
      HasErrorCode(identity::v1::OAUTH_CONNECTION_NOT_CONNECTED_TO_USER));
  EXPECT_EQ(fake_.refreshes, 0);
}

TEST_F(ConnectedAccountsTest, ListsLinksThatAllowConnectedAccounts) {
  Link("link-1", absl::Hours(1));
  auto project = *directory_->Get("internal");
  auto listed = accounts_->List(*project, user_);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].provider_id, "idp");
  EXPECT_EQ((*listed)[0].provider_account_id, "sub-link-1");
  EXPECT_THAT(accounts_->List(*project, "00000000-0000-4000-8000-0000000000ff"),
              HasErrorCode(identity::v1::USER_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
