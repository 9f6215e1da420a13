#include "service/core/oauth_client_secrets.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"

namespace latchkey::service::core {
namespace {

using common::Std;

// Project ids are UUIDs or "internal" and provider ids have no ':' beyond
// what the project id could hold, so the binding is unambiguous.
std::string Binding(absl::string_view project_id,
                    absl::string_view provider_id) {
  return absl::StrCat("oauth-provider:", project_id, ":", provider_id);
}

// Link ids are UUIDs; the prefix keeps these apart from client secrets.
std::string TokenBinding(absl::string_view project_id,
                         absl::string_view link_id, OAuthAccountToken which) {
  return absl::StrCat(
      "oauth-account:", project_id, ":", link_id, ":",
      which == OAuthAccountToken::kAccess ? "access" : "refresh");
}

}  // namespace

absl::StatusOr<crypto::SecretBox> OAuthClientSecretBox(
    absl::string_view server_secret,
    const std::optional<std::string>& previous_server_secret) {
  std::optional<std::string_view> previous;
  if (previous_server_secret.has_value()) previous = *previous_server_secret;
  return crypto::SecretBox::Create(Std(server_secret),
                                   Std(kOAuthClientSecretPurpose), previous);
}

absl::StatusOr<std::string> SealOAuthClientSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view provider_id, absl::string_view client_secret) {
  return box.Seal(Std(client_secret), Binding(project_id, provider_id));
}

absl::StatusOr<crypto::SecretBox::Opened> OpenOAuthClientSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view provider_id, absl::string_view sealed) {
  return box.Open(Std(sealed), Binding(project_id, provider_id));
}

absl::StatusOr<std::string> SealOAuthAccountToken(const crypto::SecretBox& box,
                                                  absl::string_view project_id,
                                                  absl::string_view link_id,
                                                  OAuthAccountToken which,
                                                  absl::string_view token) {
  return box.Seal(Std(token), TokenBinding(project_id, link_id, which));
}

absl::StatusOr<crypto::SecretBox::Opened> OpenOAuthAccountToken(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view link_id, OAuthAccountToken which,
    absl::string_view sealed) {
  return box.Open(Std(sealed), TokenBinding(project_id, link_id, which));
}

}  // namespace latchkey::service::core
