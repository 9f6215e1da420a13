#ifndef SERVICE_CORE_OAUTH_PROVIDER_SETTINGS_H_
#define SERVICE_CORE_OAUTH_PROVIDER_SETTINGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "service/core/project_directory.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A provider's settings as an administrator sends them.
struct OAuthProviderInput {
  // 1 to 64 of [a-z0-9_-], starting with a letter or digit.
  std::string provider_id;
  // oidc or one of Stack's twelve types (IsSupportedProviderType).
  std::string type;
  // May be empty only when is_shared.
  std::string client_id;
  // Unset keeps no secret (an upsert replaces the whole row).
  std::optional<std::string> client_secret;
  // Required for oidc: https, or http on a loopback host; no query,
  // fragment or user info.
  std::optional<std::string> issuer_url;
  std::vector<std::string> scopes;
  bool enabled = false;
  // Sign-in / sign-up through the provider; off leaves type=link only.
  bool allow_sign_in = true;
  // Provider access tokens for the app (ConnectedAccounts).
  bool allow_connected_accounts = true;
  // Type microsoft: the tenant (unset: consumers). Type facebook: the
  // business-login configuration sent as config_id.
  std::optional<std::string> microsoft_tenant_id;
  std::optional<std::string> facebook_config_id;
  // Use the deployment's own client for the type (development only).
  bool is_shared = false;
};

// A project's OAuth provider settings. Client secrets are sealed
// (oauth_client_secrets.h) before they are stored and never handed back.
// Each write drops the project's cached snapshot. Thread-safe; every member
// must outlive it.
class OAuthProviderSettings {
 public:
  // `box` is OAuthClientSecretBox's.
  OAuthProviderSettings(storage::Database& database,
                        ProjectDirectory& directory, const common::Clock& clock,
                        crypto::SecretBox box)
      : database_(database),
        directory_(directory),
        clock_(clock),
        box_(std::move(box)) {}

  // Creates or replaces the provider and returns it as stored.
  // SCHEMA_ERROR naming the field for a bad input.
  absl::StatusOr<storage::OAuthProviderRecord> Upsert(
      const std::string& project_id, const OAuthProviderInput& input) const;

  absl::StatusOr<std::vector<storage::OAuthProviderRecord>> List(
      const std::string& project_id) const;

  // OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED when the project has no such
  // provider.
  absl::Status Delete(const std::string& project_id,
                      const std::string& provider_id) const;

 private:
  storage::Database& database_;
  ProjectDirectory& directory_;
  const common::Clock& clock_;
  const crypto::SecretBox box_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OAUTH_PROVIDER_SETTINGS_H_
