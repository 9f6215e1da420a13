#ifndef SERVICE_CORE_OAUTH_SIGN_IN_H_
#define SERVICE_CORE_OAUTH_SIGN_IN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret_box.h"
#include "service/core/oauth_providers.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Verification-code purposes of the flow (see docs/oauth.md): the pending
// sign-in found by the hash of the inner state; the outer authorization
// code found by its hash; and, once a code is used, the session it made,
// so that a replayed code can revoke it.
inline constexpr char kOAuthPendingPurpose[] = "oauth_pending";
inline constexpr char kOAuthCodePurpose[] = "oauth_code";
inline constexpr char kOAuthCodeSessionPurpose[] = "oauth_code_session";
// The redirect-mode CSRF cookie is this prefix plus the inner state.
inline constexpr char kInnerStateCookiePrefix[] = "stack-oauth-inner-";

inline constexpr absl::Duration kOAuthPendingLifetime = absl::Minutes(10);
inline constexpr absl::Duration kOAuthCodeLifetime = absl::Minutes(5);

// The provider's tokens sealed for link `link_id` (oauth_client_secrets.h),
// as stored on it: the expiry from expires_in, the granted scopes from the
// answer's scope, else `previous_scopes`. A missing refresh token stays
// unset (the stored one is kept). SecretBox::Seal's errors.
absl::StatusOr<storage::OAuthAccountTokens> SealProviderTokens(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view link_id, const ProviderTokens& tokens, absl::Time now,
    const std::vector<std::string>& previous_scopes = {});

// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> FindCookie(absl::string_view header,
                                      absl::string_view name);

// Whether `verifier` answers `challenge` under `method` ("S256" or
// "plain"); constant time in the compared bytes.
bool PkceMatches(absl::string_view method, absl::string_view challenge,
                 absl::string_view verifier);

// What the flow needs besides the sign-in services. Each must outlive it.
struct OAuthSignInDeps {
  SignInServices services;
  ProjectDirectory& projects;
  const OAuthProviderClient& providers;
  // Opens the providers' sealed client secrets (oauth_client_secrets.h).
  const crypto::SecretBox& client_secret_box;
  // The server's public base URL: the provider redirects the browser to
  // <public_url>/api/v1/auth/oauth/callback/<provider_id>.
  std::string public_url;
  // The internal project's providers from the environment
  // (LATCHKEY_OAUTH_<ID>_*), used where the project stores none. With
  // `share_internal_providers` they are also the deployment's shared
  // development clients: a provider marked is_shared in any project uses
  // the first of these of its type. Off, only the internal project's own
  // shared providers may use them (an operator's client is not offered to
  // every project's admin unless the operator says so).
  std::vector<OAuthProviderConfig> internal_providers;
  bool share_internal_providers = false;
};

// Sign-in with an OAuth 2.0 / OpenID Connect provider, Stack's way, in
// three steps: Authorize (the app sends the browser to the provider),
// Callback (the provider sends it back; we resolve the account and hand
// the app a one-time code) and Exchange (the app trades the code, with its
// PKCE verifier, for tokens). Thread-safe.
class OAuthSignIn {
 public:
  explicit OAuthSignIn(OAuthSignInDeps deps) : deps_(std::move(deps)) {}

  struct AuthorizeInput {
    const ProjectSnapshot& project;
    std::string provider_id;
    std::string redirect_uri;
    std::string scope;
    std::string state;
    std::string grant_type;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string response_type;
    // "authenticate" (or empty) or "link".
    std::string type;
    // The user of the `token` parameter, verified by the caller.
    std::optional<std::string> token_user_id;
    bool token_user_is_anonymous = false;
    std::string provider_scope;
    std::string error_redirect_url;
    std::string after_callback_redirect_url;
    // stack_response_mode=json: no cookie; the answer is {location}.
    bool json_mode = false;
  };
  struct AuthorizeResult {
    std::string location;
    // Redirect mode only: the Set-Cookie value of the inner-state cookie.
    std::optional<std::string> set_cookie;
  };
  // OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, SCHEMA_ERROR (link without a
  // token, grant or response type, challenge method),
  // OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS (provider_scope
  // with a shared provider),
  // REDIRECT_URL_NOT_WHITELISTED (after_callback_redirect_url), the
  // provider errors of OAuthProviderClient (discovery).
  absl::StatusOr<AuthorizeResult> Authorize(const AuthorizeInput& input) const;

  struct CallbackInput {
    std::string provider_id;
    std::string code;
    std::string state;
    std::string error;
    std::string error_description;
    // The request's Cookie header.
    std::string cookie_header;
    // Apple's form_post "user" member (a name), else "".
    std::string posted_user;
  };
  // A callback always answers with a redirect or an error, and in redirect
  // mode with the cookie cleared either way.
  struct CallbackOutcome {
    // Not OK: answer this error (no redirect target could be used).
    absl::Status error;
    // 303 (success: the app's redirect_uri with code and state) or 307
    // (an error for the app, in Stack's query parameters).
    int http_status = 0;
    std::string location;
    std::vector<std::string> set_cookies;
  };
  CallbackOutcome Callback(const CallbackInput& input) const;

  struct ExchangeInput {
    const ProjectSnapshot& project;
    std::string code;
    std::string redirect_uri;
    std::string code_verifier;
  };
  struct ExchangeResult {
    SignedIn signed_in;
    bool new_user = false;
    std::optional<std::string> after_callback_redirect_url;
  };
  // INVALID_AUTHORIZATION_CODE for an unknown, expired, used (the session
  // it made is then revoked) or another project's code, a wrong verifier
  // or a redirect_uri that is not byte-identical;
  // MULTI_FACTOR_AUTHENTICATION_REQUIRED {attempt_code} for a user with
  // TOTP (the code is used up; MfaSignIn finishes the sign-in).
  absl::StatusOr<ExchangeResult> Exchange(const ExchangeInput& input) const;

  // The project's enabled provider `provider_id` with its client secret
  // opened (the internal project falls back to the environment's; a shared
  // provider takes the deployment's client of its type), or
  // OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED (also for a shared provider
  // whose type has no deployment client). Also used by ConnectedAccounts.
  absl::StatusOr<OAuthProviderConfig> Provider(
      const ProjectSnapshot& project, absl::string_view provider_id) const;

  // The type of the project's provider `provider_id`, enabled or not (the
  // internal project's environment providers included), or nullopt when
  // the project has none. Secrets stay sealed. Used by UserOAuthProviders.
  absl::StatusOr<std::optional<std::string>> ConfiguredProviderType(
      const ProjectSnapshot& project, absl::string_view provider_id) const;

 private:
  // The project's stored provider `provider_id`, or nullopt when it has
  // none (enabled or not; the environment's are not stored).
  absl::StatusOr<std::optional<storage::OAuthProviderRecord>> StoredProvider(
      const ProjectSnapshot& project, absl::string_view provider_id) const;

  const OAuthSignInDeps deps_;
};

// Parses LATCHKEY_OAUTH_<ID>_CLIENT_ID / _CLIENT_SECRET (and _ISSUER_URL,
// _TYPE, _SCOPES) through `getenv`, for the ids given: the internal
// project's providers. An id without a client id is skipped. The type
// defaults to the id when the id is a provider type other than oidc (google,
// github, ...), else "oidc".
std::vector<OAuthProviderConfig> OAuthProvidersFromEnvironment(
    const std::vector<std::string>& ids,
    const std::function<std::optional<std::string>(const std::string&)>&
        getenv);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OAUTH_SIGN_IN_H_
