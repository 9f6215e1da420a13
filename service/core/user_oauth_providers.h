#ifndef SERVICE_CORE_USER_OAUTH_PROVIDERS_H_
#define SERVICE_CORE_USER_OAUTH_PROVIDERS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "service/core/project_directory.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// What UserOAuthProviders needs. Each must outlive it.
struct UserOAuthProvidersDeps {
  storage::Database& database;
  const common::Clock& clock;
  // The type of the project's provider `provider_id` (google, github, ...,
  // oidc) whether it is enabled or not, or nullopt when the project has no
  // such provider (OAuthSignIn::ConfiguredProviderType).
  std::function<absl::StatusOr<std::optional<std::string>>(
      const ProjectSnapshot& project, const std::string& provider_id)>
      provider_type;
};

// Who acts. Server and admin callers may act on any user of the project; a
// client only on its own signed-in user. Plain data.
struct LinkActor {
  // Client access (a publishable key, or none).
  bool client = false;
  // The signed-in user's id, "" when the call carries none.
  std::string user_id;
};

// One link with its provider's type, as Stack's oauth-providers API shows it.
struct UserOAuthProvider {
  storage::OAuthAccountRecord link;
  std::string type;
};

// A user's provider accounts (the oauth_accounts rows linking the user to
// accounts at the project's OAuth providers) as Stack's /oauth-providers
// routes see them: list, create (servers), read, switch sign-in and
// connected accounts on or off, unlink. Each change runs in one
// transaction. Stateless apart from the injected services; thread-safe.
//
// User ids may be "me": the actor's own user, or
// CANNOT_GET_OWN_USER_WITHOUT_USER when it has none. A client naming
// another user gets CLIENT_CANNOT_ACCESS_OTHER_USERS (403); a user that
// does not exist is USER_ID_DOES_NOT_EXIST. Link ids that are not UUIDs
// are a SCHEMA_ERROR; another user's link is USER_OAUTH_PROVIDER_NOT_FOUND,
// like a missing one.
//
// Rules for a link that signs in (docs/oauth.md):
//  - a user signs in with at most one account per provider:
//    USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER {provider_config_id};
//  - the same provider account linked to the same user twice:
//    USER_OAUTH_PROVIDER_ALREADY_EXISTS {provider_config_id};
//  - a provider account another user signs in with:
//    OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN. A provider
//    account links to one user only (Stack allows more, for connected
//    accounts), so another user's link without sign-in is
//    OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER;
//  - turning a link's sign-in off, or deleting a link that signs in, must
//    leave the user another way in (a password or email codes with an email
//    that signs in, a passkey, another link that signs in):
//    CANNOT_REMOVE_LAST_SIGN_IN_METHOD.
class UserOAuthProviders {
 public:
  struct CreateInput {
    std::string user_id;
    std::string provider_config_id;
    std::string account_id;
    std::optional<std::string> email;
    // Both required (SCHEMA_ERROR when unset).
    std::optional<bool> allow_sign_in;
    std::optional<bool> allow_connected_accounts;
  };

  struct Changes {
    std::optional<bool> allow_sign_in;
    std::optional<bool> allow_connected_accounts;
    // Servers only (the contract refuses them from clients). A new account
    // id drops the provider tokens stored for the old one.
    std::optional<std::string> email;
    std::optional<std::string> account_id;
  };

  explicit UserOAuthProviders(UserOAuthProvidersDeps deps)
      : deps_(std::move(deps)) {}

  // The user's links, or with no user_id (servers only) every link of the
  // project; oldest first. Links whose provider is gone from the project
  // (and whose id is not a provider type) are left out.
  absl::StatusOr<std::vector<UserOAuthProvider>> List(
      const ProjectSnapshot& project, const LinkActor& actor,
      const std::optional<std::string>& user_id) const;

  // OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED when the project has no
  // provider `provider_config_id`; SCHEMA_ERROR for an empty account id, a
  // bad email or unset switches; the rules above.
  absl::StatusOr<UserOAuthProvider> Create(const ProjectSnapshot& project,
                                           const LinkActor& actor,
                                           const CreateInput& input) const;

  absl::StatusOr<UserOAuthProvider> Get(const ProjectSnapshot& project,
                                        const LinkActor& actor,
                                        const std::string& user_id,
                                        const std::string& link_id) const;

  absl::StatusOr<UserOAuthProvider> Update(const ProjectSnapshot& project,
                                           const LinkActor& actor,
                                           const std::string& user_id,
                                           const std::string& link_id,
                                           const Changes& changes) const;

  absl::Status Delete(const ProjectSnapshot& project, const LinkActor& actor,
                      const std::string& user_id,
                      const std::string& link_id) const;

 private:
  // The type shown for links of `provider_id`: the configured one, else
  // the id itself when it is a provider type (a provider removed from the
  // project), else nullopt.
  absl::StatusOr<std::optional<std::string>> TypeOf(
      const ProjectSnapshot& project, const std::string& provider_id) const;

  const UserOAuthProvidersDeps deps_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_OAUTH_PROVIDERS_H_
