#include "service/core/totp_secrets.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"

namespace latchkey::service::core {
namespace {

using common::Std;

std::string Binding(absl::string_view project_id, absl::string_view user_id) {
  return absl::StrCat("totp:", project_id, ":", user_id);
}

}  // namespace

absl::StatusOr<crypto::SecretBox> TotpSecretBox(
    absl::string_view server_secret,
    const std::optional<std::string>& previous_server_secret) {
  std::optional<std::string_view> previous;
  if (previous_server_secret.has_value()) previous = *previous_server_secret;
  return crypto::SecretBox::Create(Std(server_secret), Std(kTotpSecretPurpose),
                                   previous);
}

absl::StatusOr<std::string> SealTotpSecret(const crypto::SecretBox& box,
                                           absl::string_view project_id,
                                           absl::string_view user_id,
                                           absl::string_view seed) {
  return box.Seal(Std(seed), Binding(project_id, user_id));
}

absl::StatusOr<crypto::SecretBox::Opened> OpenTotpSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view user_id, absl::string_view sealed) {
  return box.Open(Std(sealed), Binding(project_id, user_id));
}

}  // namespace latchkey::service::core
