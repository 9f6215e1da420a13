#ifndef SERVICE_CORE_PASSWORD_SIGN_UP_H_
#define SERVICE_CORE_PASSWORD_SIGN_UP_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"
#include "service/core/verification_codes.h"

namespace latchkey::service::core {

// Signing up with an email and a password, in this order:
//  - SIGN_UP_NOT_ENABLED, PASSWORD_AUTHENTICATION_NOT_ENABLED unless the
//    project allows them; the email normalised (SCHEMA_ERROR naming
//    body.email); the password policy (PASSWORD_TOO_SHORT / _TOO_LONG);
//    the verification callback URL, when given, on the project's trusted
//    domains (REDIRECT_URL_NOT_WHITELISTED);
//  - the per-address limit ("sign_up_ip:<address>", sign_up_per_ip);
//  - the argon2id hash, outside any transaction;
//  - in one transaction: an anonymous caller becomes a full user with the
//    same id (their data and teams stay theirs; USER_EMAIL_ALREADY_EXISTS
//    if that user is no longer anonymous), anyone else a new user with a
//    personal team when the project asks for one (create_team_on_sign_up);
//    an email verification code when a callback URL was given; a session.
// USER_EMAIL_ALREADY_EXISTS when the email is taken; RATE_LIMITED also
// when the project's hashing line is full; the database's errors otherwise.
class PasswordSignUp {
 public:
  struct Input {
    const ProjectSnapshot& project;
    // As typed; normalised here.
    std::string email;
    std::string password;
    // The caller's address (CallContext::client_ip()).
    std::string client_ip;
    // The caller's user id when they hold an anonymous user's token.
    std::optional<std::string> anonymous_user_id;
    // Where the verification email's link points; none: no email.
    std::optional<std::string> verification_callback_url;
  };

  // A verification email to send once the sign-up has committed.
  struct VerificationEmail {
    std::string to;
    std::string code;
  };

  struct Result {
    SignedIn signed_in;
    std::optional<VerificationEmail> verification;
  };

  explicit PasswordSignUp(SignInServices services) : services_(services) {}

  absl::StatusOr<Result> Run(const Input& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORD_SIGN_UP_H_
