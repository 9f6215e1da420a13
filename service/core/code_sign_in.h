#ifndef SERVICE_CORE_CODE_SIGN_IN_H_
#define SERVICE_CORE_CODE_SIGN_IN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "service/core/mail_admission.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"

namespace latchkey::service::core {

// Signing in with a code mailed to the address (Stack's "OTP" / magic
// link), which signs up a new address when the project allows sign-up.
class CodeSignIn {
 public:
  struct SendInput {
    const ProjectSnapshot& project;
    // As typed; normalised here.
    std::string email;
    // Where the mail's link points; must be on the project's trusted
    // domains.
    std::string callback_url;
  };

  struct SignInInput {
    const ProjectSnapshot& project;
    // The whole code: the link's, or lower(OTP) + nonce.
    std::string code;
    // The caller's user id when they hold an anonymous user's token: a new
    // address then upgrades that user (same id, data and teams).
    std::optional<std::string> anonymous_user_id;
  };

  struct Result {
    SignedIn signed_in;
    bool is_new_user = false;
  };

  explicit CodeSignIn(SignInServices services) : services_(services) {}

  // OTP_SIGN_IN_NOT_ENABLED unless the project has code sign-in; the mail
  // admission checks (mail_admission.h); SIGN_UP_NOT_ENABLED for an address
  // with no account when the project has sign-up off;
  // USER_EMAIL_ALREADY_EXISTS {email, would_work_if_email_was_verified:
  // true} for an account with a password whose address is not verified. Stores
  // a sign-in code (bound to the account when there is one) and returns the
  // mail.
  absl::StatusOr<CodeMail> SendCode(const SendInput& input) const;

  // Verifies the code (VERIFICATION_CODE_* errors; a wrong OTP counts as a
  // failed attempt), then in one transaction: uses it up; an existing
  // account signs in (and its primary address, proven by the code, becomes
  // verified), unless it has TOTP: then MULTI_FACTOR_AUTHENTICATION_REQUIRED
  // with an attempt code for MfaSignIn, as after a right password; an unknown
  // address becomes a new user (or upgrades the anonymous caller) with the
  // address verified and code sign-in on, unless sign-up is off
  // (SIGN_UP_NOT_ENABLED); a session.
  absl::StatusOr<Result> SignIn(const SignInInput& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_CODE_SIGN_IN_H_
