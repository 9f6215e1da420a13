#ifndef SERVICE_CORE_MAIL_ADMISSION_H_
#define SERVICE_CORE_MAIL_ADMISSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/verification_codes.h"

namespace latchkey::service::core {

// An email carrying a one-time code that a flow decided to send. The flow
// returns it rather than sending it: mail is sent by the caller once the
// flow's transaction has committed (a transaction may run more than once,
// or roll back), and core does not render or queue mail.
struct CodeMail {
  // The normalised address.
  std::string to;
  // What the link carries, the OTP the mail shows, and the rest of the code
  // (see NewVerificationCode).
  std::string code;
  std::string otp;
  std::string nonce;
};

// A CodeMail for `code` sent to `to`.
CodeMail CodeMailFor(std::string to, const NewVerificationCode& code);

// The checks before mailing a code or link to an address a caller typed,
// in this order: the address normalised (SCHEMA_ERROR naming body.email),
// the callback URL on the project's trusted domains
// (REDIRECT_URL_NOT_WHITELISTED), and the per-address mail limit
// ("email:<address>", email_per_address: one budget per address across
// every kind of mail). Returns the normalised address.
absl::StatusOr<std::string> AdmitMailTo(const RateLimiter& rate_limiter,
                                        const ProjectSnapshot& project,
                                        absl::string_view raw_email,
                                        absl::string_view callback_url);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_MAIL_ADMISSION_H_
