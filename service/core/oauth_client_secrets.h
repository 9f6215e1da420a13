#ifndef SERVICE_CORE_OAUTH_CLIENT_SECRETS_H_
#define SERVICE_CORE_OAUTH_CLIENT_SECRETS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret_box.h"

namespace latchkey::service::core {

// OAuth providers' client secrets at rest: sealed with a crypto::SecretBox
// made for kOAuthClientSecretPurpose, bound to their row (project and
// provider id as associated data), so a sealed secret copied onto another
// provider's row does not open. ProjectService seals; the OAuth sign-in
// flow opens. Stateless; thread-safe.

inline constexpr absl::string_view kOAuthClientSecretPurpose =
    "oauth-client-secret";

// The SecretBox purpose key for client secrets, from the server secret and,
// during a rotation, the previous one. Returns SecretBox::Create's errors.
absl::StatusOr<crypto::SecretBox> OAuthClientSecretBox(
    absl::string_view server_secret,
    const std::optional<std::string>& previous_server_secret);

// Seals `client_secret` for provider `provider_id` of `project_id`.
// Returns SecretBox::Seal's errors.
absl::StatusOr<std::string> SealOAuthClientSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view provider_id, absl::string_view client_secret);

// The client secret sealed for that provider. DATA_LOSS when the box was
// sealed for another row or under an unknown key; SecretBox::Open's other
// errors.
absl::StatusOr<crypto::SecretBox::Opened> OpenOAuthClientSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view provider_id, absl::string_view sealed);

// Provider tokens kept on a link (oauth_accounts) for connected accounts,
// sealed with the same box but bound to the link: project, link id and
// which token it is, so a sealed token neither opens on another link nor
// passes for the link's other token.
enum class OAuthAccountToken { kAccess, kRefresh };

absl::StatusOr<std::string> SealOAuthAccountToken(const crypto::SecretBox& box,
                                                  absl::string_view project_id,
                                                  absl::string_view link_id,
                                                  OAuthAccountToken which,
                                                  absl::string_view token);

// DATA_LOSS when sealed for another link or token; SecretBox::Open's other
// errors.
absl::StatusOr<crypto::SecretBox::Opened> OpenOAuthAccountToken(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view link_id, OAuthAccountToken which,
    absl::string_view sealed);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_OAUTH_CLIENT_SECRETS_H_
