#ifndef SERVICE_CORE_SIGN_IN_SERVICES_H_
#define SERVICE_CORE_SIGN_IN_SERVICES_H_

#include "common/clock.h"
#include "service/core/access_tokens.h"
#include "service/core/passwords.h"
#include "service/core/rate_limiter.h"
#include "service/core/sessions.h"
#include "service/core/verification_codes.h"
#include "storage/database.h"

namespace latchkey::service::core {

// What the sign-in use cases (password_sign_in.h, password_sign_up.h,
// mfa_sign_in.h) work with, injected by whoever builds them: the server's
// shared instances, or a test's. Each must outlive the use cases.
struct SignInServices {
  storage::Database& database;
  const common::Clock& clock;
  Passwords& passwords;
  const RateLimiter& rate_limiter;
  const SessionManager& sessions;
  const AccessTokenIssuer& token_issuer;
  const VerificationCodes& codes;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_SIGN_IN_SERVICES_H_
