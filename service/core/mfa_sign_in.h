#ifndef SERVICE_CORE_MFA_SIGN_IN_H_
#define SERVICE_CORE_MFA_SIGN_IN_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"
#include "storage/records.h"

namespace latchkey::service::core {

// The verification-code purpose of MFA attempt codes.
inline constexpr absl::string_view kMfaAttemptPurpose = "mfa_attempt";

// For a user whose first factor (a password) just passed and who has TOTP:
// stores an attempt code (5 minutes, 5 uses) and returns
// MULTI_FACTOR_AUTHENTICATION_REQUIRED carrying it as attempt_code. No
// session is started. Returns the database's error when the code cannot be
// stored.
absl::Status RequireSecondFactor(const SignInServices& services,
                                 const ProjectSnapshot& project,
                                 const storage::UserView& user);

// After a first factor (a password, a passkey) passed for `user`: with
// TOTP, RequireSecondFactor's MULTI_FACTOR_AUTHENTICATION_REQUIRED;
// otherwise a session, started in one transaction with the user's
// last-active time.
absl::StatusOr<SignedIn> FinishFirstFactor(const SignInServices& services,
                                           const ProjectSnapshot& project,
                                           const storage::UserView& user);

// The second step of a TOTP sign-in: the attempt code from
// RequireSecondFactor and a TOTP code of the user's seed. Guesses are
// limited per user and client address like password guesses
// (RateLimiter::ConsumeGuess, "mfa_sign_in_user:<user id>", the project's
// sign_in_per_account), because a wrong TOTP does not use up the attempt
// code. A right one uses it up and starts a session. Errors:
// VERIFICATION_CODE_* for the attempt code, RATE_LIMITED, INVALID_TOTP_CODE
// (wrong code, or the user has no seed), or the database's.
class MfaSignIn {
 public:
  struct Input {
    const ProjectSnapshot& project;
    std::string attempt_code;
    std::string totp;
    // The caller's address (CallContext::client_ip()).
    std::string client_ip;
  };

  // The secrets open the users' sealed TOTP seeds (totp_secrets.h).
  MfaSignIn(SignInServices services, std::string server_secret,
            std::optional<std::string> previous_server_secret)
      : services_(services),
        server_secret_(std::move(server_secret)),
        previous_server_secret_(std::move(previous_server_secret)) {}

  absl::StatusOr<SignedIn> Run(const Input& input) const;

 private:
  const SignInServices services_;
  const std::string server_secret_;
  const std::optional<std::string> previous_server_secret_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_MFA_SIGN_IN_H_
