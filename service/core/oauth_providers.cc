#include "service/core/oauth_providers.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "service/core/oidc_id_token.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

constexpr absl::Duration kCacheLifetime = absl::Minutes(10);
constexpr char kGoogleIssuer[] = "https://accounts.google.com";

absl::Status Failed(absl::string_view provider_id, absl::string_view why) {
  return ApiError(identity::v1::OAUTH_PROVIDER_ERROR,
                  {{"provider_id", std::string(provider_id)}},
                  absl::StrCat("The OAuth provider ", provider_id, ": ", why));
}

absl::Status Unavailable(absl::string_view why) {
  return ApiError(identity::v1::OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE, {},
                  absl::StrCat("The OAuth provider could not be used (", why,
                               "); try again."));
}

std::string IssuerOf(const OAuthProviderConfig& provider) {
  if (provider.type == "google") return kGoogleIssuer;
  std::string issuer = provider.issuer_url.value_or("");
  return issuer;
}

std::optional<std::string> StringMember(const nlohmann::json& object,
                                        const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string Form(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> pairs;
  for (const auto& [key, value] : fields) {
    pairs.push_back(
        absl::StrCat(UrlEncodeComponent(key), "=", UrlEncodeComponent(value)));
  }
  return absl::StrJoin(pairs, "&");
}

// Providers that are not OpenID Connect: one row each, read by one code
// path. Endpoints as the providers document them; `issuer_url`, when set,
// replaces their origins (a self-hosted GitLab or GitHub Enterprise, or a
// local stand-in in tests) and keeps the paths.
enum class Verified { kField, kAlways, kNever };

struct TableRow {
  const char* type;
  const char* authorize_url;
  const char* token_url;
  const char* user_url;
  // A list of {email, primary, verified} (GitHub), or "".
  const char* emails_url;
  const char* base_scopes;
  bool pkce;
  // client_secret_post instead of client_secret_basic.
  bool secret_in_body;
  const char* id_key;
  const char* name_key;
  const char* picture_key;
  const char* email_key;
  Verified verified;
  // For Verified::kField: the boolean, or for GitLab the timestamp that is
  // set once the email is confirmed.
  const char* verified_key;
};

constexpr TableRow kTable[] = {
    {"github", "https://github.com/login/oauth/authorize",
     "https://github.com/login/oauth/access_token",
     "https://api.github.com/user", "https://api.github.com/user/emails",
     "user:email", true, false, "id", "name", "avatar_url", "",
     Verified::kField, "verified"},
    {"discord", "https://discord.com/oauth2/authorize",
     "https://discord.com/api/oauth2/token",
     "https://discord.com/api/users/@me", "", "identify email", true, false,
     "id", "global_name", "", "email", Verified::kField, "verified"},
    {"gitlab", "https://gitlab.com/oauth/authorize",
     "https://gitlab.com/oauth/token", "https://gitlab.com/api/v4/user", "",
     "read_user", true, false, "id", "name", "avatar_url", "email",
     Verified::kField, "confirmed_at"},
    // Spotify never says an email is verified.
    {"spotify", "https://accounts.spotify.com/authorize",
     "https://accounts.spotify.com/api/token", "https://api.spotify.com/v1/me",
     "", "user-read-email user-read-private", true, false, "id", "display_name",
     "", "email", Verified::kNever, ""},
};

const TableRow* RowOf(absl::string_view type) {
  for (const TableRow& row : kTable) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

// `url` with its origin replaced by `base` (no trailing slash).
std::string Rebase(absl::string_view url,
                   const std::optional<std::string>& base) {
  if (!base.has_value() || base->empty()) return std::string(url);
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme + 3);
  return absl::StrCat(absl::StripSuffix(*base, "/"),
                      path == absl::string_view::npos ? "" : url.substr(path));
}

// A JSON member as text: strings as they are, integers in decimal (GitHub
// and GitLab ids are numbers).
std::optional<std::string> TextMember(const nlohmann::json& object,
                                      const char* name) {
  if (name[0] == '\0') return std::nullopt;
  auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return std::nullopt;
}

}  // namespace

bool IsSupportedProviderType(absl::string_view type) {
  return type == "oidc" || type == "google" || RowOf(type) != nullptr;
}

absl::Status OAuthProviderClient::ProviderError(absl::string_view provider_id,
                                                absl::string_view error,
                                                absl::string_view description) {
  if (error == "access_denied" || error == "consent_required") {
    return ApiError(identity::v1::OAUTH_PROVIDER_ACCESS_DENIED);
  }
  if (error == "server_error" || error == "temporarily_unavailable") {
    return Unavailable(error);
  }
  return Failed(provider_id,
                absl::StrCat("it answered ", error,
                             description.empty() ? "" : ": ", description));
}

absl::StatusOr<nlohmann::json> OAuthProviderClient::FetchJson(
    const OAuthProviderConfig& provider, const OutboundRequest& request,
    absl::string_view what) const {
  absl::StatusOr<OutboundResponse> response = http_.Send(request);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kInvalidArgument) {
      return Failed(provider.provider_id,
                    absl::StrCat("its ", what, " URL is not allowed"));
    }
    return Unavailable(response.status().message());
  }
  if (response->status == 429 || response->status >= 500) {
    return Unavailable(absl::StrCat(what, " answered ", response->status));
  }
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr,
                                              /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return ProviderError(provider.provider_id, body["error"].get<std::string>(),
                         StringMember(body, "error_description").value_or(""));
  }
  if (response->status != 200) {
    return Failed(provider.provider_id,
                  absl::StrCat(what, " answered ", response->status));
  }
  if (!body.is_object()) {
    return Failed(provider.provider_id,
                  absl::StrCat(what, " did not answer a JSON object"));
  }
  return body;
}

absl::StatusOr<ProviderEndpoints> OAuthProviderClient::Endpoints(
    const OAuthProviderConfig& provider) const {
  if (const TableRow* row = RowOf(provider.type); row != nullptr) {
    ProviderEndpoints endpoints;
    endpoints.authorization_endpoint =
        Rebase(row->authorize_url, provider.issuer_url);
    endpoints.token_endpoint = Rebase(row->token_url, provider.issuer_url);
    endpoints.userinfo_endpoint = Rebase(row->user_url, provider.issuer_url);
    return endpoints;
  }
  const std::string issuer = IssuerOf(provider);
  if (issuer.empty()) {
    return Failed(provider.provider_id, "no issuer URL is configured");
  }
  nlohmann::json document;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = discovery_.find(issuer);
    if (it != discovery_.end() &&
        clock_.Now() - it->second.fetched_at < kCacheLifetime) {
      document = it->second.value;
    }
  }
  if (document.is_null()) {
    const std::string url = absl::StrCat(absl::StripSuffix(issuer, "/"),
                                         "/.well-known/openid-configuration");
    LATCHKEY_ASSIGN_OR_RETURN(document,
                              FetchJson(provider, {.method = "GET", .url = url},
                                        "discovery document"));
    // OpenID Connect Discovery 4.3: the document must name the issuer we
    // asked, or tokens could be minted by someone else's.
    if (StringMember(document, "issuer") != issuer) {
      return Failed(provider.provider_id,
                    "its discovery document names another issuer");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    discovery_[issuer] = {document, clock_.Now()};
  }
  ProviderEndpoints endpoints;
  endpoints.issuer = issuer;
  endpoints.authorization_endpoint =
      StringMember(document, "authorization_endpoint").value_or("");
  endpoints.token_endpoint =
      StringMember(document, "token_endpoint").value_or("");
  endpoints.userinfo_endpoint =
      StringMember(document, "userinfo_endpoint").value_or("");
  endpoints.jwks_uri = StringMember(document, "jwks_uri").value_or("");
  if (endpoints.authorization_endpoint.empty() ||
      endpoints.token_endpoint.empty() || endpoints.jwks_uri.empty()) {
    return Failed(provider.provider_id,
                  "its discovery document lacks an endpoint");
  }
  return endpoints;
}

std::string OAuthProviderClient::AuthorizeUrl(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    const AuthorizeParams& params) const {
  const TableRow* row = RowOf(provider.type);
  std::vector<std::string> scopes;
  if (row == nullptr) scopes = {"openid", "email", "profile"};
  auto add = [&scopes](absl::string_view scope) {
    for (absl::string_view item :
         absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
      if (std::find(scopes.begin(), scopes.end(), item) == scopes.end()) {
        scopes.emplace_back(item);
      }
    }
  };
  if (row != nullptr) add(row->base_scopes);
  for (const std::string& scope : provider.scopes) add(scope);
  add(params.extra_scope);
  std::vector<std::pair<std::string, std::string>> fields = {
      {"client_id", provider.client_id},
      {"response_type", "code"},
      {"redirect_uri", params.redirect_uri},
      {"scope", absl::StrJoin(scopes, " ")},
      {"state", params.state}};
  if (row == nullptr) fields.emplace_back("nonce", params.nonce);
  if (row == nullptr || row->pkce) {
    fields.emplace_back("code_challenge", params.code_challenge);
    fields.emplace_back("code_challenge_method", "S256");
  }
  fields.emplace_back("access_type", "offline");
  fields.emplace_back("prompt", "consent");
  const std::string query = Form(fields);
  const bool has_query =
      endpoints.authorization_endpoint.find('?') != std::string::npos;
  return absl::StrCat(endpoints.authorization_endpoint, has_query ? "&" : "?",
                      query);
}

absl::StatusOr<ProviderTokens> OAuthProviderClient::ExchangeCode(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    absl::string_view code, absl::string_view redirect_uri,
    absl::string_view code_verifier) const {
  return TokenRequest(provider, endpoints,
                      {{"grant_type", "authorization_code"},
                       {"code", std::string(code)},
                       {"redirect_uri", std::string(redirect_uri)},
                       {"code_verifier", std::string(code_verifier)}});
}

absl::StatusOr<ProviderTokens> OAuthProviderClient::Refresh(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    absl::string_view refresh_token, absl::string_view scope) const {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "refresh_token"},
      {"refresh_token", std::string(refresh_token)}};
  if (!scope.empty()) fields.emplace_back("scope", std::string(scope));
  return TokenRequest(provider, endpoints, std::move(fields));
}

absl::StatusOr<ProviderTokens> OAuthProviderClient::TokenRequest(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    std::vector<std::pair<std::string, std::string>> fields) const {
  OutboundRequest request;
  request.method = "POST";
  request.url = endpoints.token_endpoint;
  // client_secret_basic (RFC 6749 2.3.1: each part form-encoded first).
  request.headers = {
      {"content-type", "application/x-www-form-urlencoded"},
      {"accept", "application/json"},
      {"authorization",
       absl::StrCat("Basic ",
                    crypto::Base64Encode(absl::StrCat(
                        UrlEncodeComponent(provider.client_id), ":",
                        UrlEncodeComponent(provider.client_secret))))}};
  if (const TableRow* row = RowOf(provider.type);
      row != nullptr && row->secret_in_body) {
    request.headers.pop_back();  // the Basic authorization
    fields.emplace_back("client_id", provider.client_id);
    fields.emplace_back("client_secret", provider.client_secret);
  }
  request.body = Form(fields);
  LATCHKEY_ASSIGN_OR_RETURN(nlohmann::json body,
                            FetchJson(provider, request, "token endpoint"));
  ProviderTokens tokens;
  std::optional<std::string> access = StringMember(body, "access_token");
  if (!access.has_value() || access->empty()) {
    return Failed(provider.provider_id,
                  "its token endpoint gave no access token");
  }
  tokens.access_token = *std::move(access);
  tokens.refresh_token = StringMember(body, "refresh_token");
  tokens.id_token = StringMember(body, "id_token");
  tokens.scope = StringMember(body, "scope").value_or("");
  if (auto it = body.find("expires_in");
      it != body.end() && it->is_number_integer()) {
    tokens.expires_in = it->get<int64_t>();
  }
  return tokens;
}

absl::StatusOr<nlohmann::json> OAuthProviderClient::Jwks(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    bool refresh) const {
  if (!refresh) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = jwks_.find(endpoints.jwks_uri);
    if (it != jwks_.end() &&
        clock_.Now() - it->second.fetched_at < kCacheLifetime) {
      return it->second.value;
    }
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      nlohmann::json keys,
      FetchJson(provider, {.method = "GET", .url = endpoints.jwks_uri},
                "key set"));
  std::lock_guard<std::mutex> lock(mutex_);
  jwks_[endpoints.jwks_uri] = {keys, clock_.Now()};
  return keys;
}

absl::StatusOr<ProviderIdentity> OAuthProviderClient::IdentifyByTable(
    const void* row_ptr, const OAuthProviderConfig& provider,
    const ProviderEndpoints& endpoints, const ProviderTokens& tokens) const {
  const TableRow& row = *static_cast<const TableRow*>(row_ptr);
  auto bearer_get = [&](const std::string& url) {
    OutboundRequest request{.method = "GET", .url = url};
    request.headers = {
        {"authorization", absl::StrCat("Bearer ", tokens.access_token)},
        {"accept", "application/json"}};
    return request;
  };
  LATCHKEY_ASSIGN_OR_RETURN(
      nlohmann::json user,
      FetchJson(provider, bearer_get(endpoints.userinfo_endpoint), "user"));
  ProviderIdentity identity;
  identity.account_id = TextMember(user, row.id_key).value_or("");
  if (identity.account_id.empty()) {
    return Failed(provider.provider_id, "its user answer has no id");
  }
  identity.display_name = TextMember(user, row.name_key);
  identity.profile_image_url = TextMember(user, row.picture_key);
  identity.email = TextMember(user, row.email_key);
  switch (row.verified) {
    case Verified::kAlways:
      identity.email_verified = identity.email.has_value();
      break;
    case Verified::kNever:
      identity.email_verified = false;
      break;
    case Verified::kField: {
      auto it = user.find(row.verified_key);
      identity.email_verified =
          it != user.end() &&
          ((it->is_boolean() && it->get<bool>()) ||
           (it->is_string() && !it->get<std::string>().empty()));
      break;
    }
  }
  if (row.emails_url[0] != '\0') {
    // GitHub: the primary address of the emails API, and its own flag.
    OutboundRequest request =
        bearer_get(Rebase(row.emails_url, provider.issuer_url));
    absl::StatusOr<OutboundResponse> response = http_.Send(request);
    if (!response.ok()) return Unavailable(response.status().message());
    if (response->status == 403) {
      return Failed(provider.provider_id,
                    "its emails API refused; grant the app read access to "
                    "email addresses");
    }
    nlohmann::json list = nlohmann::json::parse(response->body, nullptr, false);
    identity.email.reset();
    identity.email_verified = false;
    if (response->status == 200 && list.is_array()) {
      for (const auto& item : list) {
        if (!item.is_object() || item.value("primary", false) != true) continue;
        identity.email = StringMember(item, "email");
        identity.email_verified = item.value("verified", false) == true;
      }
    }
  }
  return identity;
}

absl::StatusOr<ProviderIdentity> OAuthProviderClient::Identify(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    const ProviderTokens& tokens, absl::string_view nonce) const {
  if (const TableRow* row = RowOf(provider.type); row != nullptr) {
    return IdentifyByTable(row, provider, endpoints, tokens);
  }
  if (!tokens.id_token.has_value()) {
    return Failed(provider.provider_id,
                  "its token endpoint gave no id_token (is \"openid\" among "
                  "the scopes it allows?)");
  }
  IdTokenExpectations expected;
  expected.issuer = endpoints.issuer;
  expected.client_id = provider.client_id;
  expected.nonce = std::string(nonce);
  expected.access_token = tokens.access_token;
  expected.now = clock_.Now();
  LATCHKEY_ASSIGN_OR_RETURN(nlohmann::json keys,
                            Jwks(provider, endpoints, /*refresh=*/false));
  absl::StatusOr<IdTokenClaims> claims =
      ValidateIdToken(*tokens.id_token, keys, expected);
  if (claims.status().code() == absl::StatusCode::kNotFound) {
    // Keys rotate: one fresh look at the set.
    LATCHKEY_ASSIGN_OR_RETURN(keys,
                              Jwks(provider, endpoints, /*refresh=*/true));
    claims = ValidateIdToken(*tokens.id_token, keys, expected);
  }
  if (!claims.ok()) {
    return Failed(provider.provider_id, claims.status().message());
  }
  ProviderIdentity identity;
  identity.account_id = claims->sub;
  identity.email = claims->email;
  identity.email_verified = claims->email_verified;
  identity.display_name = claims->name;
  identity.profile_image_url = claims->picture;
  if (!identity.email.has_value() && !endpoints.userinfo_endpoint.empty()) {
    OutboundRequest request{.method = "GET",
                            .url = endpoints.userinfo_endpoint};
    request.headers = {
        {"authorization", absl::StrCat("Bearer ", tokens.access_token)},
        {"accept", "application/json"}};
    LATCHKEY_ASSIGN_OR_RETURN(nlohmann::json info,
                              FetchJson(provider, request, "userinfo"));
    // OpenID Connect Core 5.3.2: a userinfo sub other than the token's
    // must not be used.
    if (StringMember(info, "sub") != identity.account_id) {
      return Failed(provider.provider_id,
                    "its userinfo answer is for another subject");
    }
    identity.email = StringMember(info, "email");
    auto verified = info.find("email_verified");
    identity.email_verified =
        verified != info.end() &&
        ((verified->is_boolean() && verified->get<bool>()) ||
         (verified->is_string() && verified->get<std::string>() == "true"));
    if (!identity.display_name.has_value()) {
      identity.display_name = StringMember(info, "name");
    }
    if (!identity.profile_image_url.has_value()) {
      identity.profile_image_url = StringMember(info, "picture");
    }
  }
  return identity;
}

}  // namespace latchkey::service::core
