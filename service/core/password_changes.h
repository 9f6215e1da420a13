#ifndef SERVICE_CORE_PASSWORD_CHANGES_H_
#define SERVICE_CORE_PASSWORD_CHANGES_H_

#include <string>

#include "absl/status/status.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"

namespace latchkey::service::core {

// A signed-in user changing or first setting their own password.
class PasswordChanges {
 public:
  struct UpdateInput {
    const ProjectSnapshot& project;
    std::string user_id;
    // The session making the change: it stays, every other one ends (a
    // stolen session must not survive a password change).
    std::string session_to_keep;
    std::string old_password;
    std::string new_password;
  };

  struct SetInput {
    const ProjectSnapshot& project;
    std::string user_id;
    std::string password;
  };

  explicit PasswordChanges(SignInServices services) : services_(services) {}

  // In this order: the per-account limit with back-off
  // ("password_update:<user>", password_update_per_account), since the old
  // password is a guess like any sign-in; USER_DOES_NOT_HAVE_PASSWORD;
  // the old password (PASSWORD_CONFIRMATION_MISMATCH); the policy for the
  // new one; the hash outside any transaction; then the new hash and the
  // end of the user's other sessions in one transaction.
  absl::Status Update(const UpdateInput& input) const;

  // For a user without a password (PASSWORD_ALREADY_SET otherwise): the
  // policy, the hash, then the credential.
  absl::Status Set(const SetInput& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORD_CHANGES_H_
