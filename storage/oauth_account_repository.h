#ifndef STORAGE_OAUTH_ACCOUNT_REPOSITORY_H_
#define STORAGE_OAUTH_ACCOUNT_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Accounts at OAuth / OIDC providers linked to users; one provider account
// links to one user per project (oauth_accounts_provider_unique).
// Bound to one connection for one Database callback; not thread-safe.
class OAuthAccountRepository {
 public:
  explicit OAuthAccountRepository(SqlExecutor& executor) : ex_(executor) {}

  // Links the account. Returns NOT_FOUND when the user is not in the
  // project, ALREADY_EXISTS (oauth_accounts_provider_unique: linked to a
  // user already; oauth_accounts_pkey).
  absl::Status Create(const OAuthAccountRecord& account);

  // The link for this provider account, or NOT_FOUND.
  absl::StatusOr<OAuthAccountRecord> FindByProviderAccount(
      std::string_view project_id, std::string_view provider_id,
      std::string_view provider_account_id);

  // The user's linked accounts, oldest first.
  absl::StatusOr<std::vector<OAuthAccountRecord>> ListForUser(
      std::string_view project_id, std::string_view user_id);

  // Every link in the project, oldest first.
  absl::StatusOr<std::vector<OAuthAccountRecord>> ListForProject(
      std::string_view project_id);

  // The link by its id, or NOT_FOUND.
  absl::StatusOr<OAuthAccountRecord> Get(std::string_view project_id,
                                         std::string_view account_id);

  // Stores the provider's tokens on the link. A refresh token left unset
  // keeps the stored one (providers often omit it on refresh); the access
  // token, its expiry and the scopes are replaced. NOT_FOUND.
  absl::Status UpdateTokens(std::string_view project_id,
                            std::string_view account_id,
                            const OAuthAccountTokens& tokens);

  // Overwrites the link's email, provider account id, allow_sign_in and
  // allow_connected_accounts (found by project and id; user, provider and
  // creation time stay). A new provider account id drops the stored
  // provider tokens, which belong to the old account. NOT_FOUND, or
  // ALREADY_EXISTS (oauth_accounts_provider_unique).
  absl::Status Update(const OAuthAccountRecord& account);

  // Unlinks the account, or returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view account_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_OAUTH_ACCOUNT_REPOSITORY_H_
