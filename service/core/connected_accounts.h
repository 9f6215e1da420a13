#ifndef SERVICE_CORE_CONNECTED_ACCOUNTS_H_
#define SERVICE_CORE_CONNECTED_ACCOUNTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "service/core/oauth_providers.h"
#include "service/core/oauth_sign_in.h"
#include "service/core/project_directory.h"
#include "storage/database.h"

namespace latchkey::service::core {

// What ConnectedAccounts needs. Each must outlive it.
struct ConnectedAccountsDeps {
  storage::Database& database;
  const common::Clock& clock;
  // Finds the provider with its client secret opened.
  const OAuthSignIn& sign_in;
  const OAuthProviderClient& providers;
  // Opens and seals the provider tokens on the links
  // (oauth_client_secrets.h); the same box as the client secrets.
  const crypto::SecretBox& token_box;
};

// Connected accounts (docs/oauth.md): the app asks for an access token at
// the provider on behalf of one of its users, using the tokens the OAuth
// callback kept on the user's link. Thread-safe.
class ConnectedAccounts {
 public:
  // A stored access token that expires sooner than this is refreshed
  // rather than handed out.
  static constexpr absl::Duration kMinimumRemainingLife = absl::Minutes(5);

  explicit ConnectedAccounts(ConnectedAccountsDeps deps) : deps_(deps) {}

  struct AccessTokenInput {
    const ProjectSnapshot& project;
    std::string user_id;
    std::string provider_id;
    // Space-separated scopes the token must carry; may be empty.
    std::string scope;
    // Only this account of the user at the provider (its id there);
    // unset: any of the user's accounts at the provider.
    std::optional<std::string> provider_account_id;
  };
  // A provider access token of the user's account at the provider: a
  // stored one with the scopes that lives at least kMinimumRemainingLife
  // more, else one obtained with the stored refresh token (stored sealed).
  // Errors: USER_NOT_FOUND; OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED (also
  // when the provider's connected accounts are off);
  // OAUTH_CONNECTION_NOT_CONNECTED_TO_USER (no link that allows connected
  // accounts, or none with provider_account_id);
  // OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE (no link was granted the
  // scopes); OAUTH_ACCESS_TOKEN_NOT_AVAILABLE {provider, details} (the token
  // expired and there is no refresh token, or the provider refused the
  // refresh).
  absl::StatusOr<std::string> AccessToken(const AccessTokenInput& input) const;

  struct Account {
    std::string user_id;
    std::string provider_id;
    std::string provider_account_id;
  };
  // The user's links that allow connected accounts, oldest first.
  // USER_NOT_FOUND.
  absl::StatusOr<std::vector<Account>> List(const ProjectSnapshot& project,
                                            absl::string_view user_id) const;

 private:
  const ConnectedAccountsDeps deps_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_CONNECTED_ACCOUNTS_H_
