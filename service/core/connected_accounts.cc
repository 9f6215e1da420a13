#include "service/core/connected_accounts.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

bool HasScopes(const storage::OAuthAccountRecord& link,
               const std::vector<std::string>& wanted) {
  // An empty list means the provider never said what it granted; the
  // provider then decides at refresh time.
  if (link.granted_scopes.empty()) return true;
  for (const std::string& scope : wanted) {
    if (std::find(link.granted_scopes.begin(), link.granted_scopes.end(),
                  scope) == link.granted_scopes.end()) {
      return false;
    }
  }
  return true;
}

absl::Status NotAvailable(absl::string_view provider_id,
                          absl::string_view details) {
  return ApiError(identity::v1::OAUTH_ACCESS_TOKEN_NOT_AVAILABLE,
                  {{"provider", std::string(provider_id)},
                   {"details", std::string(details)}},
                  absl::StrCat("No access token could be obtained from OAuth "
                               "provider ",
                               provider_id, ": ", details));
}

}  // namespace

absl::StatusOr<std::vector<ConnectedAccounts::Account>> ConnectedAccounts::List(
    const ProjectSnapshot& project, absl::string_view user_id) const {
  std::vector<Account> out;
  LATCHKEY_RETURN_IF_ERROR(deps_.database.Run([&](storage::Repositories& repos)
                                                  -> absl::Status {
    absl::StatusOr<storage::UserView> user =
        repos.users().Get(project.project.id, std::string(user_id));
    if (!user.ok()) return UserNotFoundOr(user.status());
    LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::OAuthAccountRecord> links,
                              repos.oauth_accounts().ListForUser(
                                  project.project.id, std::string(user_id)));
    for (const storage::OAuthAccountRecord& link : links) {
      if (!link.allow_connected_accounts) continue;
      out.push_back({link.user_id, link.provider_id, link.provider_account_id});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> ConnectedAccounts::AccessToken(
    const AccessTokenInput& input) const {
  const std::string& project_id = input.project.project.id;
  LATCHKEY_ASSIGN_OR_RETURN(
      OAuthProviderConfig provider,
      deps_.sign_in.Provider(input.project, input.provider_id));
  if (!provider.allow_connected_accounts) {
    return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED, {},
                    "Connected accounts are turned off for this OAuth "
                    "provider in the project.");
  }
  // The shared development client belongs to the deployment, not the app.
  if (provider.is_shared) {
    return ApiError(
        identity::v1::OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS,
        {},
        absl::StrCat("The OAuth provider ", provider.provider_id,
                     " uses the deployment's shared development client; "
                     "configure the project's own client to get provider "
                     "access tokens."));
  }
  std::vector<storage::OAuthAccountRecord> links;
  LATCHKEY_RETURN_IF_ERROR(
      deps_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().Get(project_id, input.user_id);
        if (!user.ok()) return UserNotFoundOr(user.status());
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::OAuthAccountRecord> all,
            repos.oauth_accounts().ListForUser(project_id, input.user_id));
        for (storage::OAuthAccountRecord& link : all) {
          if (link.provider_id == provider.provider_id &&
              link.allow_connected_accounts &&
              (!input.provider_account_id.has_value() ||
               link.provider_account_id == *input.provider_account_id)) {
            links.push_back(std::move(link));
          }
        }
        return absl::OkStatus();
      }));
  if (links.empty()) {
    return ApiError(identity::v1::OAUTH_CONNECTION_NOT_CONNECTED_TO_USER);
  }
  const std::vector<std::string> wanted = absl::StrSplit(
      input.scope, absl::ByAnyChar(" ,"), absl::SkipWhitespace());
  std::vector<const storage::OAuthAccountRecord*> candidates;
  for (const storage::OAuthAccountRecord& link : links) {
    if (HasScopes(link, wanted)) candidates.push_back(&link);
  }
  if (candidates.empty()) {
    return ApiError(
        identity::v1::OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE);
  }

  // 1. A stored access token that still has a while to live.
  const absl::Time now = deps_.clock.Now();
  for (const storage::OAuthAccountRecord* link : candidates) {
    if (!link->access_token_sealed.has_value()) continue;
    // No expiry: the provider's tokens do not expire (GitHub's classic).
    if (link->access_token_expires_at.has_value() &&
        *link->access_token_expires_at - now < kMinimumRemainingLife) {
      continue;
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        crypto::SecretBox::Opened opened,
        OpenOAuthAccountToken(deps_.token_box, project_id, link->id,
                              OAuthAccountToken::kAccess,
                              *link->access_token_sealed));
    return std::move(opened.plaintext);
  }

  // 2. A new one through a stored refresh token.
  std::string failure =
      "the stored access token has expired and the "
      "provider gave no refresh token";
  for (const storage::OAuthAccountRecord* link : candidates) {
    if (!link->refresh_token_sealed.has_value()) continue;
    LATCHKEY_ASSIGN_OR_RETURN(
        crypto::SecretBox::Opened refresh,
        OpenOAuthAccountToken(deps_.token_box, project_id, link->id,
                              OAuthAccountToken::kRefresh,
                              *link->refresh_token_sealed));
    absl::StatusOr<ProviderEndpoints> endpoints =
        deps_.providers.Endpoints(provider);
    if (!endpoints.ok()) return endpoints.status();
    absl::StatusOr<ProviderTokens> tokens = deps_.providers.Refresh(
        provider, *endpoints, refresh.plaintext, absl::StrJoin(wanted, " "));
    if (!tokens.ok()) {
      // Unreachable providers stay retryable; a refused refresh is final
      // for this token.
      std::optional<ApiErrorView> error = ReadApiError(tokens.status());
      if (!error.has_value() ||
          error->code == identity::v1::OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE) {
        return tokens.status();
      }
      failure = absl::StrCat("the provider refused the refresh token: ",
                             tokens.status().message());
      continue;
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::OAuthAccountTokens sealed,
        SealProviderTokens(deps_.token_box, project_id, link->id, *tokens, now,
                           link->granted_scopes));
    LATCHKEY_RETURN_IF_ERROR(
        deps_.database.Run([&](storage::Repositories& repos) {
          return repos.oauth_accounts().UpdateTokens(project_id, link->id,
                                                     sealed);
        }));
    return std::move(tokens->access_token);
  }
  return NotAvailable(provider.provider_id, failure);
}

}  // namespace latchkey::service::core
