#ifndef SERVICE_CORE_PASSWORD_SIGN_IN_H_
#define SERVICE_CORE_PASSWORD_SIGN_IN_H_

#include <string>

#include "absl/status/statusor.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"

namespace latchkey::service::core {

// Signing in with an email and a password, in this order:
//  - PASSWORD_AUTHENTICATION_NOT_ENABLED unless the project allows it;
//    the email normalised (SCHEMA_ERROR naming body.email);
//  - limits: per client address, loosely (credential stuffing across
//    accounts: "sign_in_ip:<address>", sign_in_per_ip); per account and
//    address, paced, and per account under a looser ceiling
//    (RateLimiter::ConsumeGuess, "sign_in_account:<email>",
//    sign_in_per_account), so one address's failures never lock the owner
//    out elsewhere;
//  - the password check, outside any transaction. An unknown email, or a
//    user without a password, still spends one verification (a dummy one)
//    and answers EMAIL_PASSWORD_MISMATCH exactly like a wrong password, so
//    neither the answer nor its timing tells which emails exist;
//  - on a match with an outdated hash (imported bcrypt, weaker argon2
//    parameters) the password is re-hashed with the project's argon2id;
//  - a user with TOTP gets MULTI_FACTOR_AUTHENTICATION_REQUIRED with an
//    attempt code and no session (mfa_sign_in.h); anyone else a session,
//    and their last_active_at moves.
// RATE_LIMITED also when the project's hashing line is full; the
// database's errors otherwise.
class PasswordSignIn {
 public:
  struct Input {
    const ProjectSnapshot& project;
    // As typed; normalised here.
    std::string email;
    std::string password;
    // The caller's address (CallContext::client_ip()).
    std::string client_ip;
  };

  explicit PasswordSignIn(SignInServices services) : services_(services) {}

  absl::StatusOr<SignedIn> Run(const Input& input) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORD_SIGN_IN_H_
