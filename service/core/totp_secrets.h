#ifndef SERVICE_CORE_TOTP_SECRETS_H_
#define SERVICE_CORE_TOTP_SECRETS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret_box.h"

namespace latchkey::service::core {

// Users' TOTP seeds at rest: sealed with a crypto::SecretBox made for
// kTotpSecretPurpose and bound to their user (project and user id as
// associated data). UserService seals what an administrator sets; MFA
// sign-in opens. Stateless; thread-safe.

inline constexpr absl::string_view kTotpSecretPurpose = "totp-secret";

// Seeds Stack accepts: 80 bits (RFC 4226's minimum) up to 512.
inline constexpr size_t kMinTotpSecretBytes = 10;
inline constexpr size_t kMaxTotpSecretBytes = 64;

// The SecretBox for TOTP seeds. Returns SecretBox::Create's errors.
absl::StatusOr<crypto::SecretBox> TotpSecretBox(
    absl::string_view server_secret,
    const std::optional<std::string>& previous_server_secret);

// Seals the raw seed bytes of `user_id` in `project_id`.
absl::StatusOr<std::string> SealTotpSecret(const crypto::SecretBox& box,
                                           absl::string_view project_id,
                                           absl::string_view user_id,
                                           absl::string_view seed);

// The raw seed bytes. DATA_LOSS when sealed for another user or under an
// unknown key; SecretBox::Open's other errors.
absl::StatusOr<crypto::SecretBox::Opened> OpenTotpSecret(
    const crypto::SecretBox& box, absl::string_view project_id,
    absl::string_view user_id, absl::string_view sealed);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TOTP_SECRETS_H_
