#ifndef SERVICE_CORE_PASSWORD_RESET_H_
#define SERVICE_CORE_PASSWORD_RESET_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/core/mail_admission.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"

namespace latchkey::service::core {

// Forgotten passwords: a code mailed to the account's address, then a new
// password set with it.
class PasswordReset {
 public:
  struct SendInput {
    const ProjectSnapshot& project;
    // As typed; normalised here.
    std::string email;
    std::string callback_url;
  };

  struct ResetInput {
    const ProjectSnapshot& project;
    std::string code;
    std::string new_password;
  };

  explicit PasswordReset(SignInServices services) : services_(services) {}

  // The mail admission checks (mail_admission.h), then a code for the
  // account signing in with that address. No account: no mail and no
  // error, so the answer does not tell which addresses exist (nullopt).
  absl::StatusOr<std::optional<CodeMail>> SendCode(
      const SendInput& input) const;

  // Verifies the code (VERIFICATION_CODE_* errors), the password policy
  // (PASSWORD_TOO_SHORT / _TOO_LONG), hashes outside any transaction, then
  // in one: uses the code up, stores the new hash and ends every session of
  // the user (whoever knew the old password is signed out everywhere).
  absl::Status Reset(const ResetInput& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORD_RESET_H_
