#ifndef SERVICE_CORE_EMAIL_VERIFICATION_H_
#define SERVICE_CORE_EMAIL_VERIFICATION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/mail_admission.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"

namespace latchkey::service::core {

// Proving a user's address: a code mailed to it, then used.
class EmailVerification {
 public:
  struct SendInput {
    const ProjectSnapshot& project;
    // The signed-in user asking.
    std::string user_id;
    // As typed; must be the user's primary address once normalised.
    std::string email;
    std::string callback_url;
  };

  explicit EmailVerification(SignInServices services) : services_(services) {}

  // The mail admission checks (mail_admission.h); then
  // EMAIL_IS_NOT_PRIMARY_EMAIL {email, primary_email} for another address,
  // EMAIL_ALREADY_VERIFIED when there is nothing to prove. Stores a code
  // bound to the user and the address, and returns the mail.
  absl::StatusOr<CodeMail> SendCode(const SendInput& input) const;

  // Verifies and uses the code, and marks the user's contact channel with
  // the code's address verified (primary or not: the per-channel send of
  // contact_channels.h issues the same codes). UNKNOWN_CONTACT_CHANNEL when
  // the user no longer has that address (deleted, or the primary changed:
  // the code proves nothing about the new one); EMAIL_ALREADY_VERIFIED when
  // it already is.
  absl::Status Verify(const ProjectSnapshot& project,
                      absl::string_view code) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_EMAIL_VERIFICATION_H_
