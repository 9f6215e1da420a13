#ifndef SERVICE_CORE_OAUTH_PROVIDERS_H_
#define SERVICE_CORE_OAUTH_PROVIDERS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "service/core/oidc_id_token.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::core {

// One provider of one project, ready to use: its settings with the client
// secret opened.
struct OAuthProviderConfig {
  std::string provider_id;
  // "oidc" (any issuer, by discovery), "google" (the same path with
  // Google's issuer), or a row of the table of other providers (github,
  // discord, gitlab, spotify, microsoft, bitbucket, twitch, x, linkedin,
  // facebook, apple).
  std::string type;
  std::string client_id;
  std::string client_secret;
  // Required for "oidc". For a table type: an origin that replaces the
  // provider's own hosts (self-hosted instances, or a local stand-in).
  std::optional<std::string> issuer_url;
  // Asked for on top of the type's base scopes.
  std::vector<std::string> scopes;
  // Sign-in / sign-up through the provider (off: type=link only).
  bool allow_sign_in = true;
  // Provider access tokens for the app (ConnectedAccounts).
  bool allow_connected_accounts = true;
  // Type microsoft: the tenant in its endpoints (unset: consumers).
  std::optional<std::string> microsoft_tenant_id;
  // Type facebook: sent as config_id when set.
  std::optional<std::string> facebook_config_id;
  // The client is the deployment's shared development client for the type
  // (no extra scopes, no provider tokens for the app).
  bool is_shared = false;
};

// Where the provider's endpoints are (from discovery).
struct ProviderEndpoints {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;  // may be empty
  std::string jwks_uri;
};

// What the provider's token endpoint gave.
struct ProviderTokens {
  std::string access_token;
  std::optional<std::string> refresh_token;
  std::optional<std::string> id_token;
  std::optional<int64_t> expires_in;
  std::string scope;
};

// The provider's account, normalised.
struct ProviderIdentity {
  // Never empty.
  std::string account_id;
  std::optional<std::string> email;
  bool email_verified = false;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
};

// What goes in the authorization request besides the provider's settings.
struct AuthorizeParams {
  std::string redirect_uri;
  std::string state;
  // S256 of our inner PKCE verifier.
  std::string code_challenge;
  std::string nonce;
  // The app's provider_scope, space-separated; may be empty.
  std::string extra_scope;
};

// The types this server signs in with.
bool IsSupportedProviderType(absl::string_view type);
// The same, listed (oidc and google first, then the table's rows).
std::vector<std::string> SupportedProviderTypes();
// Whether the provider sends the browser back with a form POST
// (response_mode=form_post: Apple), so the callback is a cross-site POST.
bool ProviderPostsCallback(absl::string_view type);

// Talks to OpenID providers: discovery (cached for ten minutes per issuer),
// the authorization URL, the code exchange (client_secret_basic, PKCE S256)
// and the identity (the id_token validated against the provider's JWKS,
// refetched once when a key is unknown; the userinfo endpoint when the
// token carries no email). Provider failures become:
//  - OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE: unreachable, timed out, 429,
//    5xx, server_error or temporarily_unavailable;
//  - OAUTH_PROVIDER_ACCESS_DENIED: access_denied or consent_required;
//  - OAUTH_PROVIDER_ERROR {provider_id}: anything else (invalid_grant, a
//    refused id_token, a malformed answer), with the reason in the message.
// Thread-safe; `http` and `clock` must outlive it.
class OAuthProviderClient {
 public:
  OAuthProviderClient(const HttpClient& http, const common::Clock& clock)
      : http_(http), clock_(clock) {}

  absl::StatusOr<ProviderEndpoints> Endpoints(
      const OAuthProviderConfig& provider) const;

  std::string AuthorizeUrl(const OAuthProviderConfig& provider,
                           const ProviderEndpoints& endpoints,
                           const AuthorizeParams& params) const;

  absl::StatusOr<ProviderTokens> ExchangeCode(
      const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
      absl::string_view code, absl::string_view redirect_uri,
      absl::string_view code_verifier) const;

  // The refresh_token grant (connected accounts): a new access token for
  // `scope` (space-separated; empty asks for the scopes granted before).
  // Errors as above; a refused refresh token is OAUTH_PROVIDER_ERROR or
  // OAUTH_PROVIDER_ACCESS_DENIED.
  absl::StatusOr<ProviderTokens> Refresh(const OAuthProviderConfig& provider,
                                         const ProviderEndpoints& endpoints,
                                         absl::string_view refresh_token,
                                         absl::string_view scope) const;

  // `posted_user` is Apple's "user" member of the callback form (a name
  // on the first authorization), "" otherwise.
  absl::StatusOr<ProviderIdentity> Identify(
      const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
      const ProviderTokens& tokens, absl::string_view nonce,
      absl::string_view posted_user = "") const;

  // Maps the provider's `error` parameter (from a redirect or a token
  // response) to the errors above.
  static absl::Status ProviderError(absl::string_view provider_id,
                                    absl::string_view error,
                                    absl::string_view description);

 private:
  absl::StatusOr<ProviderTokens> TokenRequest(
      const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
      std::vector<std::pair<std::string, std::string>> fields) const;
  absl::StatusOr<nlohmann::json> FetchJson(const OAuthProviderConfig& provider,
                                           const OutboundRequest& request,
                                           absl::string_view what) const;
  // The non-OIDC path: `row` is the provider's row of the table in the .cc.
  absl::StatusOr<ProviderIdentity> IdentifyByTable(
      const void* row, const OAuthProviderConfig& provider,
      const ProviderEndpoints& endpoints, const ProviderTokens& tokens,
      absl::string_view nonce, absl::string_view posted_user) const;
  // The token answer's id_token, checked against the provider's key set
  // (refetched once for an unknown key), issuer, client id and `nonce`.
  absl::StatusOr<IdTokenClaims> CheckIdToken(
      const OAuthProviderConfig& provider, const ProviderEndpoints& endpoints,
      const ProviderTokens& tokens, absl::string_view nonce) const;
  absl::StatusOr<nlohmann::json> Jwks(const OAuthProviderConfig& provider,
                                      const ProviderEndpoints& endpoints,
                                      bool refresh) const;

  const HttpClient& http_;
  const common::Clock& clock_;

  struct Cached {
    nlohmann::json value;
    absl::Time fetched_at;
  };
  mutable std::mutex mutex_;
  mutable std::map<std::string, Cached> discovery_;
  mutable std::map<std::string, Cached> jwks_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OAUTH_PROVIDERS_H_
