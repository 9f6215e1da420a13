#ifndef SERVICE_CORE_VERIFICATION_CODES_H_
#define SERVICE_CORE_VERIFICATION_CODES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A code just made; the code itself exists only here (storage keeps
// hashes), to be put in an email link.
struct NewVerificationCode {
  // 45 lowercase Crockford-base32 characters: what the link carries.
  std::string code;
  // What the email shows: the code's first six characters, upper-cased.
  std::string otp;
  // The rest (code[6:]): returned to the client that asked for the email,
  // which then submits lower(otp) + nonce, i.e. the whole code.
  std::string nonce;
  storage::VerificationCodeRecord record;
};

// The purposes codes are made for; a code is valid only for its own.
inline constexpr absl::string_view kSignInCodePurpose = "sign_in";
inline constexpr absl::string_view kEmailVerificationPurpose =
    "email_verification";
inline constexpr absl::string_view kPasswordResetPurpose = "password_reset";

// One-time codes for email links and OTPs (sign-in, verification, password
// reset, invitations, MFA attempts), Stack's way: found by the hash of the
// whole code; a wrong OTP with a right nonce counts as a failed attempt of
// that code; checks in Stack's order — not found, expired, already used,
// too many attempts. Thread-safe.
//
// Using a code is two steps: Verify (its own database calls, so that a
// failed attempt is recorded even though the request fails), then Consume
// inside the transaction that acts on the code (so that a failure there
// leaves the code unused, and two concurrent uses cannot both win).
class VerificationCodes {
 public:
  VerificationCodes(storage::Database& database, const common::Clock& clock)
      : database_(database), clock_(clock) {}

  struct Spec {
    std::string purpose;
    std::optional<std::string> user_id;
    std::optional<std::string> email;
    std::string data_json = "{}";
    absl::Duration lifetime = absl::Hours(24 * 7);
    int max_attempts = 20;
  };

  // Stores a new code. The repositories' errors.
  absl::StatusOr<NewVerificationCode> Create(storage::Repositories& repos,
                                             absl::string_view project_id,
                                             const Spec& spec) const;

  // Finds and checks `code` (any case) without using it.
  // VERIFICATION_CODE_NOT_FOUND / _EXPIRED / _ALREADY_USED /
  // _MAX_ATTEMPTS_REACHED (api_error.h), or the database's errors.
  absl::StatusOr<storage::VerificationCodeRecord> Verify(
      absl::string_view project_id, absl::string_view purpose,
      absl::string_view code) const;

  // Marks a verified code used, in the caller's transaction.
  // VERIFICATION_CODE_ALREADY_USED when a concurrent use won.
  absl::Status Consume(storage::Repositories& repos,
                       const storage::VerificationCodeRecord& code) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_VERIFICATION_CODES_H_
