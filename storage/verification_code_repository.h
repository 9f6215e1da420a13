#ifndef STORAGE_VERIFICATION_CODE_REPOSITORY_H_
#define STORAGE_VERIFICATION_CODE_REPOSITORY_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// One-time codes, stored as hashes: email verification, sign-in links and
// OTPs, password resets, MFA attempts, passkey challenges (by purpose).
// Bound to one connection for one Database callback; not thread-safe.
class VerificationCodeRepository {
 public:
  explicit VerificationCodeRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the code. Returns ALREADY_EXISTS (verification_codes_pkey,
  // verification_codes_hash_unique, verification_codes_secondary_unique),
  // NOT_FOUND when the project or user does not exist, INVALID_ARGUMENT
  // for malformed data JSON.
  absl::Status Create(const VerificationCodeRecord& code);

  // The code of this purpose whose code_hash or secondary_code_hash is
  // `hash`, whatever its state (the caller checks expiry, use and
  // attempts, to give the precise error), or NOT_FOUND.
  absl::StatusOr<VerificationCodeRecord> FindByHash(std::string_view project_id,
                                                    std::string_view purpose,
                                                    std::string_view hash);

  // Counts a failed attempt atomically and returns the new count.
  // Returns NOT_FOUND.
  absl::StatusOr<int> RecordFailedAttempt(std::string_view project_id,
                                          std::string_view code_id);

  // Marks the code used, once: returns FAILED_PRECONDITION when it was
  // used already (a concurrent use won), NOT_FOUND when absent.
  absl::Status MarkUsed(std::string_view project_id, std::string_view code_id,
                        absl::Time at);

  // Deletes the code, or returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view code_id);

  // Deletes codes that expired before `now`, in every project.
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_VERIFICATION_CODE_REPOSITORY_H_
