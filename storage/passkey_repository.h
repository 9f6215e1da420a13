#ifndef STORAGE_PASSKEY_REPOSITORY_H_
#define STORAGE_PASSKEY_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// WebAuthn credentials (passkeys) of users; a credential id is unique per
// project. Bound to one connection for one Database callback; not
// thread-safe.
class PasskeyRepository {
 public:
  explicit PasskeyRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the passkey. Returns NOT_FOUND when the user is not in the
  // project, ALREADY_EXISTS (passkeys_credential_unique, passkeys_pkey).
  absl::Status Create(const PasskeyRecord& passkey);

  // The passkey with this WebAuthn credential id, or NOT_FOUND.
  absl::StatusOr<PasskeyRecord> FindByCredentialId(
      std::string_view project_id, std::string_view credential_id);

  // The user's passkeys, oldest first.
  absl::StatusOr<std::vector<PasskeyRecord>> ListForUser(
      std::string_view project_id, std::string_view user_id);

  // Records a successful assertion. Only moves the signature counter
  // forward: returns FAILED_PRECONDITION when `sign_count` is not above
  // the stored one (a cloned authenticator; counters of 0 are exempt, as
  // WebAuthn allows authenticators without counters), NOT_FOUND when absent.
  absl::Status RecordUse(std::string_view project_id,
                         std::string_view passkey_id, int64_t sign_count,
                         absl::Time used_at);

  // Removes the passkey, or returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view passkey_id);

  // Removes all of the user's passkeys; returns how many there were.
  absl::StatusOr<int64_t> DeleteForUser(std::string_view project_id,
                                        std::string_view user_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_PASSKEY_REPOSITORY_H_
