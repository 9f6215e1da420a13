#ifndef STORAGE_CREDENTIAL_REPOSITORY_H_
#define STORAGE_CREDENTIAL_REPOSITORY_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// A user's password hash and TOTP secret (at most one of each). Storage
// keeps what it is given: hashing and encryption happen in crypto/.
// Bound to one connection for one Database callback; not thread-safe.
class CredentialRepository {
 public:
  explicit CredentialRepository(SqlExecutor& executor) : ex_(executor) {}

  // Creates or replaces the user's password hash. Returns NOT_FOUND when
  // the user is not in `project_id`.
  absl::Status SetPassword(std::string_view project_id,
                           const PasswordCredentialRecord& credential);

  // The user's password hash, or NOT_FOUND when they have none.
  absl::StatusOr<PasswordCredentialRecord> GetPassword(
      std::string_view project_id, std::string_view user_id);

  // Removes the password. Returns NOT_FOUND when there was none.
  absl::Status DeletePassword(std::string_view project_id,
                              std::string_view user_id);

  // Creates or replaces the user's encrypted TOTP secret. Returns
  // NOT_FOUND when the user is not in `project_id`.
  absl::Status SetTotpSecret(std::string_view project_id,
                             const TotpSecretRecord& secret);

  // The user's encrypted TOTP secret, or NOT_FOUND.
  absl::StatusOr<TotpSecretRecord> GetTotpSecret(std::string_view project_id,
                                                 std::string_view user_id);

  // Turns TOTP off. Returns NOT_FOUND when it was not on.
  absl::Status DeleteTotpSecret(std::string_view project_id,
                                std::string_view user_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_CREDENTIAL_REPOSITORY_H_
