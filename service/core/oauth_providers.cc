#include "service/core/oauth_providers.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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

// Providers other than "oidc" and "google": one row each, read by one code
// path. Endpoints as the providers document them; `issuer_url`, when set,
// replaces their origins (a self-hosted GitLab or GitHub Enterprise, or a
// local stand-in in tests) and keeps the paths. "{tenant}" in a URL is the
// provider's microsoft_tenant_id (default "consumers").
enum class Verified {
  // The member at verified_key: true, or a string other than "" and
  // "false" (GitLab's confirmed_at timestamp).
  kField,
  // Whenever there is an email (Twitch gives only verified ones).
  kAlways,
  // Never (Spotify, Microsoft and Facebook do not say).
  kNever,
};
enum class ClientAuth { kBasic, kPost };
// Where the account comes from.
enum class Source {
  // A JSON answer of user_url called with the access token.
  kUserApi,
  // The id_token of the token answer, checked against jwks_url (Apple,
  // whose only user information is the token).
  kIdToken,
};

// A list of addresses at emails_url; the primary entry is taken.
struct EmailList {
  const char* url = "";
  // JSON pointer to the array in the answer ("" is the answer itself).
  const char* items = "";
  const char* primary_key = "";
  const char* verified_key = "";
};

struct TableRow {
  const char* type;
  const char* authorize_url;
  const char* token_url;
  const char* user_url = "";
  EmailList emails = {};
  const char* base_scopes;
  bool pkce = true;
  ClientAuth client_auth = ClientAuth::kBasic;
  // Fixed authorization parameters, as "name=value&..." (already encoded).
  const char* extra_authorize = "";
  // Send the client id as a Client-Id header on user calls (Twitch Helix).
  bool client_id_header = false;
  Source source = Source::kUserApi;
  // Source::kIdToken: the token's issuer and the key set.
  const char* issuer = "";
  const char* jwks_url = "";
  // Send a nonce in the authorization request (checked in the id_token).
  bool nonce = false;
  // JSON pointers into the user answer (or the token's claims).
  const char* id_key;
  const char* name_key = "";
  const char* picture_key = "";
  const char* email_key = "";
  // Used when email_key is absent (Microsoft's userPrincipalName).
  const char* alt_email_key = "";
  Verified verified = Verified::kNever;
  const char* verified_key = "";
  // The callback is a form POST whose "user" member may carry the name
  // (Apple, first authorization only).
  bool posted_user_name = false;
};

constexpr TableRow kTable[] = {
    {.type = "github",
     .authorize_url = "https://github.com/login/oauth/authorize",
     .token_url = "https://github.com/login/oauth/access_token",
     .user_url = "https://api.github.com/user",
     .emails = {.url = "https://api.github.com/user/emails",
                .primary_key = "primary",
                .verified_key = "verified"},
     .base_scopes = "user:email",
     .id_key = "/id",
     .name_key = "/name",
     .picture_key = "/avatar_url"},
    {.type = "discord",
     .authorize_url = "https://discord.com/oauth2/authorize",
     .token_url = "https://discord.com/api/oauth2/token",
     .user_url = "https://discord.com/api/users/@me",
     .base_scopes = "identify email",
     .id_key = "/id",
     .name_key = "/global_name",
     .email_key = "/email",
     .verified = Verified::kField,
     .verified_key = "/verified"},
    {.type = "gitlab",
     .authorize_url = "https://gitlab.com/oauth/authorize",
     .token_url = "https://gitlab.com/oauth/token",
     .user_url = "https://gitlab.com/api/v4/user",
     .base_scopes = "read_user",
     .id_key = "/id",
     .name_key = "/name",
     .picture_key = "/avatar_url",
     .email_key = "/email",
     .verified = Verified::kField,
     .verified_key = "/confirmed_at"},
    {.type = "spotify",
     .authorize_url = "https://accounts.spotify.com/authorize",
     .token_url = "https://accounts.spotify.com/api/token",
     .user_url = "https://api.spotify.com/v1/me",
     .base_scopes = "user-read-email user-read-private",
     .id_key = "/id",
     .name_key = "/display_name",
     .picture_key = "/images/0/url",
     .email_key = "/email"},
    // Graph's mail is often empty for personal accounts; the sign-in name
    // stands in, and neither is known to be verified.
    {.type = "microsoft",
     .authorize_url =
         "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
     .token_url =
         "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
     .user_url = "https://graph.microsoft.com/v1.0/me",
     .base_scopes = "User.Read openid",
     .id_key = "/id",
     .name_key = "/displayName",
     .email_key = "/mail",
     .alt_email_key = "/userPrincipalName"},
    {.type = "bitbucket",
     .authorize_url = "https://bitbucket.org/site/oauth2/authorize",
     .token_url = "https://bitbucket.org/site/oauth2/access_token",
     .user_url = "https://api.bitbucket.org/2.0/user",
     .emails = {.url = "https://api.bitbucket.org/2.0/user/emails",
                .items = "/values",
                .primary_key = "is_primary",
                .verified_key = "is_confirmed"},
     .base_scopes = "account email",
     .id_key = "/uuid",
     .name_key = "/display_name",
     .picture_key = "/links/avatar/href"},
    {.type = "twitch",
     .authorize_url = "https://id.twitch.tv/oauth2/authorize",
     .token_url = "https://id.twitch.tv/oauth2/token",
     .user_url = "https://api.twitch.tv/helix/users",
     .base_scopes = "user:read:email",
     .client_auth = ClientAuth::kPost,
     .client_id_header = true,
     .id_key = "/data/0/id",
     .name_key = "/data/0/display_name",
     .picture_key = "/data/0/profile_image_url",
     .email_key = "/data/0/email",
     .verified = Verified::kAlways},
    // X gives no email address at all.
    {.type = "x",
     .authorize_url = "https://twitter.com/i/oauth2/authorize",
     .token_url = "https://api.twitter.com/2/oauth2/token",
     .user_url =
         "https://api.twitter.com/2/users/me?user.fields=profile_image_url",
     .base_scopes = "users.read offline.access tweet.read",
     .id_key = "/data/id",
     .name_key = "/data/name",
     .picture_key = "/data/profile_image_url"},
    // OpenID userinfo; LinkedIn's token endpoint takes no PKCE verifier and
    // wants the secret in the body.
    {.type = "linkedin",
     .authorize_url = "https://www.linkedin.com/oauth/v2/authorization",
     .token_url = "https://www.linkedin.com/oauth/v2/accessToken",
     .user_url = "https://api.linkedin.com/v2/userinfo",
     .base_scopes = "openid profile email",
     .pkce = false,
     .client_auth = ClientAuth::kPost,
     .id_key = "/sub",
     .name_key = "/name",
     .picture_key = "/picture",
     .email_key = "/email",
     .verified = Verified::kField,
     .verified_key = "/email_verified"},
    // config_id (business login) comes from the provider's
    // facebook_config_id; Facebook does not say whether an email is
    // verified.
    {.type = "facebook",
     .authorize_url = "https://www.facebook.com/v19.0/dialog/oauth",
     .token_url = "https://graph.facebook.com/v19.0/oauth/access_token",
     .user_url = "https://graph.facebook.com/v19.0/me"
                 "?fields=id,name,email,picture",
     .base_scopes = "openid public_profile email",
     .client_auth = ClientAuth::kPost,
     .id_key = "/id",
     .name_key = "/name",
     .picture_key = "/picture/data/url",
     .email_key = "/email"},
    // Apple posts the answer back (response_mode=form_post) and tells who
    // the user is only in the id_token.
    {.type = "apple",
     .authorize_url = "https://appleid.apple.com/auth/authorize",
     .token_url = "https://appleid.apple.com/auth/token",
     .base_scopes = "name email",
     .client_auth = ClientAuth::kPost,
     .extra_authorize = "response_mode=form_post",
     .source = Source::kIdToken,
     .issuer = "https://appleid.apple.com",
     .jwks_url = "https://appleid.apple.com/auth/keys",
     .nonce = true,
     .id_key = "/sub",
     .email_key = "/email",
     .verified = Verified::kField,
     .verified_key = "/email_verified",
     .posted_user_name = true},
};

const TableRow* RowOf(absl::string_view type) {
  for (const TableRow& row : kTable) {
    if (row.type == type) return &row;
  }
  return nullptr;
}

// `url` with its origin replaced by `base` (no trailing slash) and the
// tenant put in.
std::string Rebase(absl::string_view url, const OAuthProviderConfig& provider) {
  const std::string filled = absl::StrReplaceAll(
      url, {{"{tenant}", provider.microsoft_tenant_id.value_or("consumers")}});
  const std::optional<std::string>& base = provider.issuer_url;
  if (!base.has_value() || base->empty()) return filled;
  const size_t scheme = filled.find("://");
  const size_t path = filled.find('/', scheme + 3);
  return absl::StrCat(absl::StripSuffix(*base, "/"),
                      path == std::string::npos
                          ? absl::string_view()
                          : absl::string_view(filled).substr(path));
}

// The member at JSON pointer `pointer` (object members and array indices),
// or null when absent.
const nlohmann::json* At(const nlohmann::json& root,
                         absl::string_view pointer) {
  if (pointer.empty()) return &root;
  const nlohmann::json* at = &root;
  for (absl::string_view part :
       absl::StrSplit(absl::StripPrefix(pointer, "/"), '/')) {
    if (at->is_object()) {
      auto it = at->find(std::string(part));
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(part, &index) || index >= at->size()) {
        return nullptr;
      }
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

// A member as text: strings as they are (empty ones count as absent),
// integers in decimal (GitHub and GitLab ids are numbers).
std::optional<std::string> TextMember(const nlohmann::json& object,
                                      const char* pointer) {
  if (pointer[0] == '\0') return std::nullopt;
  const nlohmann::json* value = At(object, pointer);
  if (value == nullptr) return std::nullopt;
  if (value->is_string() && !value->get<std::string>().empty()) {
    return value->get<std::string>();
  }
  if (value->is_number_integer()) return std::to_string(value->get<int64_t>());
  return std::nullopt;
}

bool TrueMember(const nlohmann::json& object, const char* pointer) {
  const nlohmann::json* value = At(object, pointer);
  if (value == nullptr) return false;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string()) {
    const std::string text = value->get<std::string>();
    return !text.empty() && text != "false";
  }
  return false;
}

// Apple's posted "user": {"name": {"firstName", "lastName"}, "email"}.
// Only a display name is taken from it (the browser carries it, so it is
// not trusted for anything else), at most 100 characters.
std::optional<std::string> PostedUserName(absl::string_view posted) {
  if (posted.empty() || posted.size() > 4096) return std::nullopt;
  nlohmann::json user = nlohmann::json::parse(posted, nullptr, false);
  if (!user.is_object()) return std::nullopt;
  std::vector<std::string> parts;
  for (const char* key : {"/name/firstName", "/name/lastName"}) {
    if (std::optional<std::string> part = TextMember(user, key)) {
      parts.push_back(*std::move(part));
    }
  }
  std::string name = absl::StrJoin(parts, " ");
  if (name.empty() || name.size() > 100) return std::nullopt;
  return name;
}

}  // namespace

bool IsSupportedProviderType(absl::string_view type) {
  return type == "oidc" || type == "google" || RowOf(type) != nullptr;
}

std::vector<std::string> SupportedProviderTypes() {
  std::vector<std::string> out = {"oidc", "google"};
  for (const TableRow& row : kTable) out.emplace_back(row.type);
  return out;
}

bool ProviderPostsCallback(absl::string_view type) {
  const TableRow* row = RowOf(type);
  return row != nullptr &&
         absl::StrContains(row->extra_authorize, "response_mode=form_post");
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
    endpoints.authorization_endpoint = Rebase(row->authorize_url, provider);
    endpoints.token_endpoint = Rebase(row->token_url, provider);
    if (row->user_url[0] != '\0') {
      endpoints.userinfo_endpoint = Rebase(row->user_url, provider);
    }
    if (row->source == Source::kIdToken) {
      endpoints.issuer = Rebase(row->issuer, provider);
      endpoints.jwks_uri = Rebase(row->jwks_url, provider);
    }
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
  if (row == nullptr || row->nonce) fields.emplace_back("nonce", params.nonce);
  if (row == nullptr || row->pkce) {
    fields.emplace_back("code_challenge", params.code_challenge);
    fields.emplace_back("code_challenge_method", "S256");
  }
  fields.emplace_back("access_type", "offline");
  fields.emplace_back("prompt", "consent");
  if (provider.type == "facebook" && provider.facebook_config_id.has_value()) {
    fields.emplace_back("config_id", *provider.facebook_config_id);
  }
  std::string query = Form(fields);
  if (row != nullptr && row->extra_authorize[0] != '\0') {
    absl::StrAppend(&query, "&", row->extra_authorize);
  }
  const bool has_query =
      endpoints.authorization_endpoint.find('?') != std::string::npos;
  return absl::StrCat(endpoints.authorization_endpoint, has_query ? "&" : "?",
                      query);
}

absl::StatusOr<ProviderTokens> OAuthProviderClient::ExchangeCode(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    absl::string_view code, absl::string_view redirect_uri,
    absl::string_view code_verifier) const {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "authorization_code"},
      {"code", std::string(code)},
      {"redirect_uri", std::string(redirect_uri)}};
  // A provider without PKCE was sent no challenge, so gets no verifier.
  if (const TableRow* row = RowOf(provider.type); row == nullptr || row->pkce) {
    fields.emplace_back("code_verifier", std::string(code_verifier));
  }
  return TokenRequest(provider, endpoints, std::move(fields));
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
      row != nullptr && row->client_auth == ClientAuth::kPost) {
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

absl::StatusOr<IdTokenClaims> OAuthProviderClient::CheckIdToken(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    const ProviderTokens& tokens, absl::string_view nonce) const {
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
  return claims;
}

absl::StatusOr<ProviderIdentity> OAuthProviderClient::IdentifyByTable(
    const void* row_ptr, const OAuthProviderConfig& provider,
    const ProviderEndpoints& endpoints, const ProviderTokens& tokens,
    absl::string_view nonce, absl::string_view posted_user) const {
  const TableRow& row = *static_cast<const TableRow*>(row_ptr);
  ProviderIdentity identity;
  if (row.source == Source::kIdToken) {
    LATCHKEY_ASSIGN_OR_RETURN(IdTokenClaims claims,
                              CheckIdToken(provider, endpoints, tokens, nonce));
    identity.account_id = claims.sub;
    identity.email = claims.email;
    identity.email_verified = claims.email.has_value() && claims.email_verified;
    identity.display_name = claims.name;
    if (row.posted_user_name && !identity.display_name.has_value()) {
      identity.display_name = PostedUserName(posted_user);
    }
    return identity;
  }
  auto bearer_get = [&](const std::string& url) {
    OutboundRequest request{.method = "GET", .url = url};
    request.headers = {
        {"authorization", absl::StrCat("Bearer ", tokens.access_token)},
        {"accept", "application/json"}};
    if (row.client_id_header) {
      request.headers.emplace_back("client-id", provider.client_id);
    }
    return request;
  };
  LATCHKEY_ASSIGN_OR_RETURN(
      nlohmann::json user,
      FetchJson(provider, bearer_get(endpoints.userinfo_endpoint), "user"));
  identity.account_id = TextMember(user, row.id_key).value_or("");
  if (identity.account_id.empty()) {
    return Failed(provider.provider_id, "its user answer has no id");
  }
  identity.display_name = TextMember(user, row.name_key);
  identity.profile_image_url = TextMember(user, row.picture_key);
  identity.email = TextMember(user, row.email_key);
  if (!identity.email.has_value()) {
    identity.email = TextMember(user, row.alt_email_key);
  }
  switch (row.verified) {
    case Verified::kAlways:
      identity.email_verified = identity.email.has_value();
      break;
    case Verified::kNever:
      identity.email_verified = false;
      break;
    case Verified::kField:
      identity.email_verified =
          identity.email.has_value() && TrueMember(user, row.verified_key);
      break;
  }
  if (row.emails.url[0] != '\0') {
    // GitHub and Bitbucket: the primary address of the emails API, and its
    // own flag.
    OutboundRequest request = bearer_get(Rebase(row.emails.url, provider));
    absl::StatusOr<OutboundResponse> response = http_.Send(request);
    if (!response.ok()) return Unavailable(response.status().message());
    if (response->status == 403) {
      return Failed(provider.provider_id,
                    "its emails API refused; grant the app read access to "
                    "email addresses");
    }
    if (response->status == 429 || response->status >= 500) {
      return Unavailable(absl::StrCat("emails answered ", response->status));
    }
    nlohmann::json answer =
        nlohmann::json::parse(response->body, nullptr, false);
    identity.email.reset();
    identity.email_verified = false;
    const nlohmann::json* list = At(answer, row.emails.items);
    if (response->status == 200 && list != nullptr && list->is_array()) {
      for (const auto& item : *list) {
        if (!item.is_object() ||
            item.value(row.emails.primary_key, false) != true) {
          continue;
        }
        identity.email = StringMember(item, "email");
        identity.email_verified =
            identity.email.has_value() &&
            item.value(row.emails.verified_key, false) == true;
      }
    }
  }
  return identity;
}

absl::StatusOr<ProviderIdentity> OAuthProviderClient::Identify(
    const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
    const ProviderTokens& tokens, absl::string_view nonce,
    absl::string_view posted_user) const {
  if (const TableRow* row = RowOf(provider.type); row != nullptr) {
    return IdentifyByTable(row, provider, endpoints, tokens, nonce,
                           posted_user);
  }
  LATCHKEY_ASSIGN_OR_RETURN(IdTokenClaims claims,
                            CheckIdToken(provider, endpoints, tokens, nonce));
  ProviderIdentity identity;
  identity.account_id = claims.sub;
  identity.email = claims.email;
  identity.email_verified = claims.email_verified;
  identity.display_name = claims.name;
  identity.profile_image_url = claims.picture;
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
