// The OAuth sign-in use case against a stand-in OpenID provider (a fake
// HttpClient answering discovery, JWKS and the token endpoint, signing
// id_tokens with a test key): state and cookie handling, PKCE, the
// outer code's single use, and the account merge rules.
#include "service/core/oauth_sign_in.h"

#include <map>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/jws_test_signer.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_provider_settings.h"
#include "service/core/projects.h"
#include "service/core/sign_in_fixture.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

constexpr char kIssuer[] = "https://idp.test";
constexpr char kApp[] = "http://localhost:3000/cb";

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  const size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (absl::string_view pair : absl::StrSplit(url.substr(q + 1), '&')) {
    const size_t eq = pair.find('=');
    std::string value(pair.substr(eq + 1));
    // Enough decoding for what the flow puts in URLs here.
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

// Stands in for an OpenID provider over HTTP.
class FakeProvider : public HttpClient {
 public:
  FakeProvider() : signer_("RS256", "k1") {}

  // The account the next token exchange answers for.
  void SetAccount(std::string sub, std::optional<std::string> email,
                  bool verified) {
    std::lock_guard<std::mutex> lock(mutex_);
    sub_ = std::move(sub);
    email_ = std::move(email);
    verified_ = verified;
  }
  // The authorization request the browser was sent with.
  void Authorized(const std::string& url) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto query = QueryOf(url);
    nonce_ = query["nonce"];
    challenge_ = query["code_challenge"];
  }

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
    } else if (request.url == absl::StrCat(kIssuer, "/jwks")) {
      response.body = signer_.jwks().dump();
    } else if (request.url == absl::StrCat(kIssuer, "/token")) {
      auto form = QueryOf("?" + request.body);
      // PKCE toward the provider: the verifier must answer the challenge.
      if (crypto::Base64UrlEncode(crypto::Sha256(form["code_verifier"])) !=
              challenge_ ||
          form["code"] != "provider-code") {
        response.status = 400;
        response.body = R"({"error":"invalid_grant"})";
        return response;
      }
      nlohmann::json claims = {{"iss", kIssuer},
                               {"sub", sub_},
                               {"aud", "client-1"},
                               {"exp", 1'700'000'100 + 600},
                               {"iat", 1'700'000'100},
                               {"nonce", nonce_},
                               {"email_verified", verified_}};
      if (email_.has_value()) claims["email"] = *email_;
      response.body = nlohmann::json({{"access_token", "provider-access"},
                                      {"token_type", "Bearer"},
                                      {"id_token", signer_.Sign(claims)}})
                          .dump();
    } else {
      response.status = 404;
    }
    return response;
  }

 private:
  crypto::TestJwsSigner signer_;
  mutable std::mutex mutex_;
  std::string sub_ = "alice";
  std::optional<std::string> email_ = "alice@example.com";
  bool verified_ = true;
  std::string nonce_;
  std::string challenge_;
};

class OAuthSignInTest : public SignInFixture {
 protected:
  void SetUp() override {
    SignInFixture::SetUp();
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
    box_ = std::make_unique<crypto::SecretBox>(
        *OAuthClientSecretBox(kServerSecret, std::nullopt));
    providers_ = std::make_unique<OAuthProviderClient>(fake_, clock_);
    Configure(R"({"allow_localhost": true, "sign_up_enabled": true})");
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
    ASSERT_TRUE(settings.Upsert("internal", input).ok());
    flow_ = std::make_unique<OAuthSignIn>(
        OAuthSignInDeps{.services = *services_,
                        .projects = *directory_,
                        .providers = *providers_,
                        .client_secret_box = *box_,
                        .public_url = "https://auth.example.com",
                        .internal_providers = {}});
  }

  void Configure(const std::string& override_json) {
    ProjectAdmin admin(*db_, *directory_, clock_, ceiling_);
    ASSERT_TRUE(
        admin.UpdateConfigOverride("internal", "project", override_json).ok());
  }

  std::shared_ptr<const ProjectSnapshot> Project() {
    return *directory_->Get("internal");
  }

  struct Started {
    std::string inner_state;
    std::optional<std::string> cookie;
    std::string verifier = "the-apps-verifier-0123456789-0123456789-abc";
    // Where the browser was sent at the provider.
    std::string location;
  };

  Started Start(bool json_mode, std::string redirect = kApp) {
    Started started;
    auto project = Project();
    OAuthSignIn::AuthorizeInput input{.project = *project};
    input.provider_id = "idp";
    input.redirect_uri = redirect;
    input.scope = "legacy";
    input.state = "app-state";
    input.grant_type = "authorization_code";
    input.code_challenge =
        crypto::Base64UrlEncode(crypto::Sha256(started.verifier));
    input.code_challenge_method = "S256";
    input.response_type = "code";
    input.json_mode = json_mode;
    auto result = flow_->Authorize(input);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return started;
    fake_.Authorized(result->location);
    started.location = result->location;
    started.inner_state = QueryOf(result->location)["state"];
    started.cookie = result->set_cookie;
    return started;
  }

  // A type=link trip for the signed-in `user_id`, in JSON mode.
  Started StartLink(const std::string& user_id) {
    Started started;
    auto project = Project();
    OAuthSignIn::AuthorizeInput input{.project = *project};
    input.provider_id = "idp";
    input.redirect_uri = kApp;
    input.state = "s";
    input.grant_type = "authorization_code";
    input.code_challenge =
        crypto::Base64UrlEncode(crypto::Sha256(started.verifier));
    input.code_challenge_method = "S256";
    input.response_type = "code";
    input.type = "link";
    input.token_user_id = user_id;
    input.json_mode = true;
    auto result = flow_->Authorize(input);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return started;
    fake_.Authorized(result->location);
    started.location = result->location;
    started.inner_state = QueryOf(result->location)["state"];
    return started;
  }

  // Turns the provider's allow_sign_in switch.
  void SetAllowSignIn(bool allow) {
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
    input.allow_sign_in = allow;
    ASSERT_TRUE(settings.Upsert("internal", input).ok());
    directory_->Invalidate("internal");
  }

  OAuthSignIn::CallbackOutcome Back(const Started& started,
                                    std::string cookie_header = "") {
    return flow_->Callback({.provider_id = "idp",
                            .code = "provider-code",
                            .state = started.inner_state,
                            .cookie_header = std::move(cookie_header)});
  }

  // The whole trip in JSON mode; the app's code (or the outcome's error).
  absl::StatusOr<std::string> AppCode(const Started& started) {
    OAuthSignIn::CallbackOutcome outcome = Back(started);
    if (!outcome.error.ok()) return outcome.error;
    if (outcome.http_status != 303) {
      return absl::FailedPreconditionError(outcome.location);
    }
    return QueryOf(outcome.location)["code"];
  }

  absl::StatusOr<OAuthSignIn::ExchangeResult> Exchange(
      const std::string& code, const std::string& verifier,
      const std::string& redirect = kApp) {
    auto project = Project();
    return flow_->Exchange({.project = *project,
                            .code = code,
                            .redirect_uri = redirect,
                            .code_verifier = verifier});
  }

  FakeProvider fake_;
  Argon2Ceiling ceiling_;
  std::unique_ptr<ProjectDirectory> directory_;
  std::unique_ptr<crypto::SecretBox> box_;
  std::unique_ptr<OAuthProviderClient> providers_;
  std::unique_ptr<OAuthSignIn> flow_;
};

TEST(OAuthHelpers, Pkce) {
  const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  // RFC 7636 appendix B.
  EXPECT_TRUE(PkceMatches("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                          verifier));
  EXPECT_FALSE(PkceMatches(
      "S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", verifier));
  EXPECT_FALSE(
      PkceMatches("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", ""));
  EXPECT_TRUE(
      PkceMatches("plain", "some-code-challenge", "some-code-challenge"));
  EXPECT_FALSE(PkceMatches("plain", "some-code-challenge", "other"));
  EXPECT_FALSE(PkceMatches("S512", "x", "x"));
}

TEST(OAuthHelpers, FindCookie) {
  EXPECT_EQ(FindCookie("a=1; stack-oauth-inner-x.y=true; b=2",
                       "stack-oauth-inner-x.y"),
            "true");
  EXPECT_EQ(FindCookie("a=1;b=2", "b"), "2");
  EXPECT_EQ(FindCookie("ab=1", "a"), std::nullopt);
  EXPECT_EQ(FindCookie("", "a"), std::nullopt);
}

TEST_F(OAuthSignInTest, JsonModeSignsUpThenSignsInAgain) {
  Started started = Start(/*json_mode=*/true);
  EXPECT_EQ(started.cookie, std::nullopt);
  EXPECT_TRUE(absl::StartsWith(started.inner_state, "internal."));
  absl::StatusOr<std::string> code = AppCode(started);
  ASSERT_TRUE(code.ok()) << code.status();
  auto first = Exchange(*code, started.verifier);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->new_user);

  Started again = Start(true);
  auto second = Exchange(*AppCode(again), again.verifier);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->new_user);
  EXPECT_EQ(second->signed_in.user_id, first->signed_in.user_id);
}

TEST_F(OAuthSignInTest, RedirectModeNeedsItsCookieAndClearsIt) {
  Started started = Start(/*json_mode=*/false);
  ASSERT_TRUE(started.cookie.has_value());
  EXPECT_TRUE(absl::StartsWith(
      *started.cookie, absl::StrCat("stack-oauth-inner-", started.inner_state,
                                    "=true; Path=/; "
                                    "Expires=")))
      << *started.cookie;
  EXPECT_TRUE(
      absl::EndsWith(*started.cookie, "; Max-Age=600; Secure; HttpOnly"))
      << *started.cookie;
  const std::string name = "stack-oauth-inner-" + started.inner_state;

  for (const std::string& header :
       {std::string(""), name + "=false",
        std::string("stack-oauth-inner-other=true")}) {
    OAuthSignIn::CallbackOutcome refused = Back(started, header);
    EXPECT_THAT(refused.error,
                HasErrorCode(identity::v1::OAUTH_CALLBACK_STATE_INVALID));
    ASSERT_EQ(refused.set_cookies.size(), 1u);
    EXPECT_EQ(refused.set_cookies[0],
              name + "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  }
  OAuthSignIn::CallbackOutcome ok = Back(started, "x=1; " + name + "=true");
  ASSERT_TRUE(ok.error.ok()) << ok.error;
  EXPECT_EQ(ok.http_status, 303);
  EXPECT_EQ(ok.set_cookies.size(), 1u);
  auto query = QueryOf(ok.location);
  EXPECT_EQ(query["state"], "app-state");
  EXPECT_EQ(query.size(), 2u);
  // Single use: the same provider redirect again goes nowhere.
  EXPECT_THAT(Back(started, name + "=true").error,
              HasErrorCode(identity::v1::OAUTH_CALLBACK_STATE_INVALID));
}

TEST_F(OAuthSignInTest, ForgedOrExpiredStates) {
  Started started = Start(true);
  for (const std::string& state :
       {std::string(""), std::string("internal.forged"),
        std::string("nosuchproject.x"), started.inner_state + "x"}) {
    Started forged = started;
    forged.inner_state = state;
    OAuthSignIn::CallbackOutcome outcome = Back(forged);
    EXPECT_THAT(outcome.error,
                HasErrorCode(identity::v1::OAUTH_CALLBACK_STATE_INVALID))
        << state;
    EXPECT_TRUE(outcome.set_cookies.empty());
  }
  clock_.Advance(kOAuthPendingLifetime + absl::Seconds(1));
  OAuthSignIn::CallbackOutcome late = Back(started);
  ASSERT_TRUE(late.error.ok()) << late.error;
  EXPECT_EQ(late.http_status, 307);
  EXPECT_EQ(QueryOf(late.location)["errorCode"], "OUTER_OAUTH_TIMEOUT");
}

TEST_F(OAuthSignInTest, TheCodeIsSingleUseAndBoundToVerifierAndRedirect) {
  Started started = Start(true);
  std::string code = *AppCode(started);
  EXPECT_THAT(Exchange(code, "wrong-verifier"),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
  EXPECT_THAT(Exchange(code, started.verifier, std::string(kApp) + "/"),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
  EXPECT_THAT(Exchange(code + "0", started.verifier),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
  auto first = Exchange(code, started.verifier);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(ActiveSessions(first->signed_in.user_id), 1u);
  // A replay fails and takes the first exchange's session with it.
  EXPECT_THAT(Exchange(code, started.verifier),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
  EXPECT_EQ(ActiveSessions(first->signed_in.user_id), 0u);

  // Five minutes, then never.
  Started late = Start(true);
  std::string late_code = *AppCode(late);
  clock_.Advance(kOAuthCodeLifetime);
  EXPECT_THAT(Exchange(late_code, late.verifier),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
}

TEST_F(OAuthSignInTest, MergeRulesForAnEmailThatSignsInAlready) {
  const std::string existing = AddUser("alice@example.com", std::nullopt);
  // Ours unverified: refused, would work if verified.
  Started s1 = Start(true);
  OAuthSignIn::CallbackOutcome o1 = Back(s1);
  ASSERT_EQ(o1.http_status, 307);
  auto q1 = QueryOf(o1.location);
  EXPECT_EQ(q1["errorCode"],
            "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE");
  EXPECT_EQ(nlohmann::json::parse(q1["details"]),
            nlohmann::json({{"type", "email"},
                            {"contact_channel_value", "alice@example.com"},
                            {"would_work_if_email_was_verified", true}}));

  // Verified on our side, unverified at the provider: refused too.
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   UserChanges changes;
                   changes.primary_email_verified = true;
                   return UpdateUser(repos, "internal", existing, changes,
                                     clock_.Now());
                 })
                  .ok());
  fake_.SetAccount("alice", "alice@example.com", false);
  auto q2 = QueryOf(Back(Start(true)).location);
  EXPECT_EQ(
      nlohmann::json::parse(q2["details"])["would_work_if_email_was_verified"],
      false);

  // raise_error refuses even when both are verified.
  fake_.SetAccount("alice", "alice@example.com", true);
  Configure(R"({"oauth_account_merge_strategy": "raise_error"})");
  EXPECT_EQ(QueryOf(Back(Start(true)).location)["errorCode"],
            "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE");

  // allow_duplicates: a new user whose email does not sign in.
  Configure(R"({"oauth_account_merge_strategy": "allow_duplicates"})");
  fake_.SetAccount("alice-duplicate", "alice@example.com", true);
  Started dup = Start(true);
  auto duplicate = Exchange(*AppCode(dup), dup.verifier);
  ASSERT_TRUE(duplicate.ok()) << duplicate.status();
  EXPECT_TRUE(duplicate->new_user);
  EXPECT_NE(duplicate->signed_in.user_id, existing);

  // link_method (the default) with both verified: linked to that user.
  Configure(R"({"oauth_account_merge_strategy": "link_method"})");
  fake_.SetAccount("alice", "alice@example.com", true);
  Started linked = Start(true);
  auto result = Exchange(*AppCode(linked), linked.verifier);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->new_user);
  EXPECT_EQ(result->signed_in.user_id, existing);
}

TEST_F(OAuthSignInTest, TypeLinkConnectsToTheSignedInUserOnly) {
  const std::string bob = AddUser("bob@example.com", std::nullopt);
  auto link = [&](const std::string& user_id) { return StartLink(user_id); };
  // type=link needs the token's user.
  {
    auto project = Project();
    OAuthSignIn::AuthorizeInput input{.project = *project};
    input.provider_id = "idp";
    input.type = "link";
    EXPECT_THAT(flow_->Authorize(input),
                HasErrorCode(identity::v1::SCHEMA_ERROR));
  }
  // The provider's email matches nobody's: still linked to Bob, not a new
  // user.
  fake_.SetAccount("bobs-idp-account", "someone-else@example.com", true);
  Started started = link(bob);
  auto linked = Exchange(*AppCode(started), started.verifier);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_FALSE(linked->new_user);
  EXPECT_EQ(linked->signed_in.user_id, bob);
  // Linking it again to Bob is a no-op; to Carol it is refused.
  Started again = link(bob);
  EXPECT_TRUE(Exchange(*AppCode(again), again.verifier).ok());
  const std::string carol = AddUser("carol@example.com", std::nullopt);
  OAuthSignIn::CallbackOutcome refused = Back(link(carol));
  EXPECT_EQ(QueryOf(refused.location)["errorCode"],
            "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER");
  // And an authenticate sign-in with that account is Bob.
  Started sign_in = Start(true);
  auto as_bob = Exchange(*AppCode(sign_in), sign_in.verifier);
  ASSERT_TRUE(as_bob.ok()) << as_bob.status();
  EXPECT_EQ(as_bob->signed_in.user_id, bob);
}

TEST_F(OAuthSignInTest, SignInOffRefusesSignInAndSignUpButLinks) {
  // Alice signs up through the provider while sign-in is on.
  Started first = Start(true);
  auto signed_up = Exchange(*AppCode(first), first.verifier);
  ASSERT_TRUE(signed_up.ok()) << signed_up.status();
  ASSERT_TRUE(signed_up->new_user);
  // Two trips begun while it is on: Alice again, and a new account.
  Started again = Start(true);
  Started newcomer = Start(true);
  const std::string bob = AddUser("bob@example.com", std::nullopt);
  Started bobs_link = StartLink(bob);

  SetAllowSignIn(false);
  // A new sign-in is refused at authorize...
  {
    auto project = Project();
    OAuthSignIn::AuthorizeInput input{.project = *project};
    input.provider_id = "idp";
    EXPECT_THAT(
        flow_->Authorize(input),
        HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
  }
  // ...and the ones under way at the callback: Alice's existing link does
  // not sign her in, and no user is made for a new account.
  // (The stand-in provider checks the latest trip's PKCE and nonce: point
  // it at each trip before its callback.)
  fake_.SetAccount("alice", "alice@example.com", true);
  fake_.Authorized(again.location);
  EXPECT_EQ(QueryOf(Back(again).location)["errorCode"],
            "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED");
  fake_.SetAccount("newcomer", "newcomer@example.com", true);
  fake_.Authorized(newcomer.location);
  EXPECT_EQ(QueryOf(Back(newcomer).location)["errorCode"],
            "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED");
  EXPECT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                   auto found = repos.oauth_accounts().FindByProviderAccount(
                       "internal", "idp", "newcomer");
                   EXPECT_EQ(found.status().code(),
                             absl::StatusCode::kNotFound);
                   return absl::OkStatus();
                 })
                  .ok());

  // type=link still connects the account to the signed-in user, both a
  // trip begun before the switch and one begun after it.
  fake_.SetAccount("bobs-account", "bob-at-idp@example.com", true);
  fake_.Authorized(bobs_link.location);
  auto linked = Exchange(*AppCode(bobs_link), bobs_link.verifier);
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->signed_in.user_id, bob);
  EXPECT_FALSE(linked->new_user);
  fake_.SetAccount("bobs-second", "bob-second@example.com", true);
  Started later = StartLink(bob);
  auto linked_later = Exchange(*AppCode(later), later.verifier);
  ASSERT_TRUE(linked_later.ok()) << linked_later.status();
  EXPECT_EQ(linked_later->signed_in.user_id, bob);

  // Back on, Alice signs in again.
  SetAllowSignIn(true);
  fake_.SetAccount("alice", "alice@example.com", true);
  Started back_on = Start(true);
  auto signed_in = Exchange(*AppCode(back_on), back_on.verifier);
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->signed_in.user_id, signed_up->signed_in.user_id);
}

TEST_F(OAuthSignInTest, ALinkWithItsSignInOffDoesNotSignIn) {
  Started first = Start(true);
  auto signed_up = Exchange(*AppCode(first), first.verifier);
  ASSERT_TRUE(signed_up.ok()) << signed_up.status();
  // The user turns sign-in off for this account (PATCH /oauth-providers).
  storage::OAuthAccountRecord link;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) -> absl::Status {
                   auto links = repos.oauth_accounts().ListForUser(
                       "internal", signed_up->signed_in.user_id);
                   if (!links.ok()) return links.status();
                   if (links->size() != 1) return absl::InternalError("links");
                   link = (*links)[0];
                   link.allow_sign_in = false;
                   return repos.oauth_accounts().Update(link);
                 })
                  .ok());
  Started again = Start(true);
  EXPECT_EQ(QueryOf(Back(again).location)["errorCode"],
            "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED");
  // Linking it to its user again still works (nothing to do).
  fake_.SetAccount("alice", "alice@example.com", true);
  Started relink = StartLink(signed_up->signed_in.user_id);
  auto linked = Exchange(*AppCode(relink), relink.verifier);
  ASSERT_TRUE(linked.ok()) << linked.status();
  // Back on, it signs in again.
  link.allow_sign_in = true;
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.oauth_accounts().Update(link);
                 })
                  .ok());
  Started back_on = Start(true);
  auto signed_in = Exchange(*AppCode(back_on), back_on.verifier);
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_EQ(signed_in->signed_in.user_id, signed_up->signed_in.user_id);
}

TEST_F(OAuthSignInTest, AUserWithTotpStillNeedsTheSecondFactor) {
  const std::string user =
      AddUser("alice@example.com", std::nullopt, /*with_totp=*/true);
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   UserChanges changes;
                   changes.primary_email_verified = true;
                   return UpdateUser(repos, "internal", user, changes,
                                     clock_.Now());
                 })
                  .ok());
  Started started = Start(true);
  std::string code = *AppCode(started);
  EXPECT_THAT(Exchange(code, started.verifier),
              HasErrorCode(identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED));
  EXPECT_EQ(ActiveSessions(user), 0u);
  // That answer used the code up.
  EXPECT_THAT(Exchange(code, started.verifier),
              HasErrorCode(identity::v1::INVALID_AUTHORIZATION_CODE));
}

TEST_F(OAuthSignInTest, SignUpDisabledAndDisabledProvider) {
  Configure(R"({"sign_up_enabled": false})");
  EXPECT_EQ(QueryOf(Back(Start(true)).location)["errorCode"],
            "SIGN_UP_NOT_ENABLED");

  OAuthProviderSettings settings(
      *db_, *directory_, clock_,
      *OAuthClientSecretBox(kServerSecret, std::nullopt));
  OAuthProviderInput input;
  input.provider_id = "idp";
  input.type = "oidc";
  input.client_id = "client-1";
  input.issuer_url = kIssuer;
  input.enabled = false;
  ASSERT_TRUE(settings.Upsert("internal", input).ok());
  auto project = Project();
  OAuthSignIn::AuthorizeInput authorize{.project = *project};
  authorize.provider_id = "idp";
  EXPECT_THAT(
      flow_->Authorize(authorize),
      HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
}

TEST_F(OAuthSignInTest, AnUntrustedRedirectIsAnErrorNotARedirect) {
  Started started = Start(true, "https://evil.example/cb");
  OAuthSignIn::CallbackOutcome outcome = Back(started);
  EXPECT_THAT(outcome.error,
              HasErrorCode(identity::v1::REDIRECT_URL_NOT_WHITELISTED));
  EXPECT_TRUE(outcome.location.empty());
}

TEST_F(OAuthSignInTest, SharedClientsReachOtherProjectsOnlyWhenOffered) {
  ProjectAdmin admin(*db_, *directory_, clock_, ceiling_);
  auto internal = Project();
  NewProjectInput create;
  create.caller_project = internal.get();
  create.display_name = "Tenant";
  auto created = admin.Create(create);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string tenant = created->project.id;
  OAuthProviderSettings settings(
      *db_, *directory_, clock_,
      *OAuthClientSecretBox(kServerSecret, std::nullopt));
  OAuthProviderInput input;
  input.provider_id = "devgh";
  input.type = "github";
  input.is_shared = true;
  input.enabled = true;
  ASSERT_TRUE(settings.Upsert(tenant, input).ok());
  OAuthProviderConfig shared;
  shared.provider_id = "github";
  shared.type = "github";
  shared.client_id = "deployment-client";
  shared.client_secret = "deployment-secret";
  auto flow = [&](bool offered) {
    return std::make_unique<OAuthSignIn>(
        OAuthSignInDeps{.services = *services_,
                        .projects = *directory_,
                        .providers = *providers_,
                        .client_secret_box = *box_,
                        .public_url = "https://auth.example.com",
                        .internal_providers = {shared},
                        .share_internal_providers = offered});
  };
  auto snapshot = *directory_->Get(tenant);
  // The operator's client is not every project admin's to use by default.
  auto refused = flow(false)->Provider(*snapshot, "devgh");
  EXPECT_THAT(
      refused.status(),
      HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
  EXPECT_TRUE(absl::StrContains(refused.status().message(),
                                "LATCHKEY_OAUTH_SHARE_WITH_PROJECTS"));
  auto offered = flow(true)->Provider(*snapshot, "devgh");
  ASSERT_TRUE(offered.ok()) << offered.status();
  EXPECT_EQ(offered->client_id, "deployment-client");
}

TEST_F(OAuthSignInTest, SharedProvidersUseTheDeploymentsClientOfTheType) {
  OAuthProviderSettings settings(
      *db_, *directory_, clock_,
      *OAuthClientSecretBox(kServerSecret, std::nullopt));
  OAuthProviderInput input;
  input.provider_id = "devgh";
  input.type = "github";
  input.is_shared = true;
  input.enabled = true;
  ASSERT_TRUE(settings.Upsert("internal", input).ok());
  auto project = Project();
  OAuthSignIn::AuthorizeInput authorize{.project = *project};
  authorize.provider_id = "devgh";
  authorize.redirect_uri = kApp;
  authorize.state = "s";
  authorize.grant_type = "authorization_code";
  authorize.code_challenge = "c";
  authorize.code_challenge_method = "plain";
  authorize.response_type = "code";
  authorize.json_mode = true;

  // No deployment client of type github: not usable, and says why.
  auto refused = flow_->Authorize(authorize);
  EXPECT_THAT(
      refused.status(),
      HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "shared"));

  OAuthProviderConfig shared;
  shared.provider_id = "github";
  shared.type = "github";
  shared.client_id = "deployment-client";
  shared.client_secret = "deployment-secret";
  shared.issuer_url = "http://127.0.0.1:9";
  OAuthProviderConfig other_type = shared;
  other_type.type = "gitlab";
  other_type.client_id = "not-this-one";
  OAuthSignIn flow(OAuthSignInDeps{.services = *services_,
                                   .projects = *directory_,
                                   .providers = *providers_,
                                   .client_secret_box = *box_,
                                   .public_url = "https://auth.example.com",
                                   .internal_providers = {other_type, shared}});
  auto provider = flow.Provider(*project, "devgh");
  ASSERT_TRUE(provider.ok()) << provider.status();
  EXPECT_TRUE(provider->is_shared);
  EXPECT_EQ(provider->client_id, "deployment-client");
  EXPECT_EQ(provider->client_secret, "deployment-secret");
  auto result = flow.Authorize(authorize);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(absl::StartsWith(result->location,
                               "http://127.0.0.1:9/login/oauth/authorize?"))
      << result->location;
  EXPECT_EQ(QueryOf(result->location)["client_id"], "deployment-client");

  // Extra scopes belong to the project's own client.
  authorize.provider_scope = "repo";
  EXPECT_THAT(
      flow.Authorize(authorize).status(),
      HasErrorCode(identity::v1::
                       OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS));
  // A provider with the project's own client still takes them.
  authorize.provider_id = "idp";
  EXPECT_TRUE(flow.Authorize(authorize).ok());
}

TEST_F(OAuthSignInTest, ApplesCrossSitePostGetsASameSiteNoneCookie) {
  OAuthProviderSettings settings(
      *db_, *directory_, clock_,
      *OAuthClientSecretBox(kServerSecret, std::nullopt));
  OAuthProviderInput input;
  input.provider_id = "apple";
  input.type = "apple";
  input.client_id = "com.example.web";
  input.client_secret = "signed-jwt";
  input.enabled = true;
  ASSERT_TRUE(settings.Upsert("internal", input).ok());
  auto project = Project();
  OAuthSignIn::AuthorizeInput authorize{.project = *project};
  authorize.redirect_uri = kApp;
  authorize.state = "s";
  authorize.grant_type = "authorization_code";
  authorize.code_challenge = "c";
  authorize.code_challenge_method = "plain";
  authorize.response_type = "code";
  for (const char* id : {"apple", "idp"}) {
    authorize.provider_id = id;
    auto result = flow_->Authorize(authorize);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->set_cookie.has_value());
    EXPECT_EQ(absl::StrContains(*result->set_cookie, "; SameSite=None"),
              std::string(id) == "apple")
        << *result->set_cookie;
    EXPECT_TRUE(absl::StrContains(*result->set_cookie, "Secure;"));
  }
}

TEST(OAuthEnvironment, ProvidersFromTheEnvironment) {
  std::map<std::string, std::string> env = {
      {"LATCHKEY_OAUTH_GOOGLE_CLIENT_ID", "g-id"},
      {"LATCHKEY_OAUTH_GOOGLE_CLIENT_SECRET", "g-secret"},
      {"LATCHKEY_OAUTH_CORP_CLIENT_ID", "c-id"},
      {"LATCHKEY_OAUTH_CORP_ISSUER_URL", "https://sso.corp.example"},
      {"LATCHKEY_OAUTH_CORP_SCOPES", "groups offline_access"}};
  env["LATCHKEY_OAUTH_TWITCH_CLIENT_ID"] = "t-id";
  auto providers = OAuthProvidersFromEnvironment(
      {"google", "github", "corp", "twitch"},
      [&](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      });
  ASSERT_EQ(providers.size(), 3u);
  // An id that is a provider type is that type unless _TYPE says otherwise.
  EXPECT_EQ(providers[2].type, "twitch");
  EXPECT_EQ(providers[0].provider_id, "google");
  EXPECT_EQ(providers[0].type, "google");
  EXPECT_EQ(providers[0].client_secret, "g-secret");
  EXPECT_EQ(providers[1].type, "oidc");
  EXPECT_EQ(providers[1].issuer_url, "https://sso.corp.example");
  EXPECT_EQ(providers[1].scopes,
            (std::vector<std::string>{"groups", "offline_access"}));
}

}  // namespace
}  // namespace latchkey::service::core
