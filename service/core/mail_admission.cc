#include "service/core/mail_admission.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "service/core/emails.h"
#include "service/core/redirect_urls.h"

namespace latchkey::service::core {

CodeMail CodeMailFor(std::string to, const NewVerificationCode& code) {
  return CodeMail{std::move(to), code.code, code.otp, code.nonce};
}

absl::StatusOr<std::string> AdmitMailTo(const RateLimiter& rate_limiter,
                                        const ProjectSnapshot& project,
                                        absl::string_view raw_email,
                                        absl::string_view callback_url) {
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            NormalizeEmail(raw_email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(CheckRedirectUrl(project, callback_url));
  LATCHKEY_RETURN_IF_ERROR(
      rate_limiter.Consume(project.project.id, absl::StrCat("email:", email),
                           project.config.rate_limits().email_per_address()));
  return email;
}

}  // namespace latchkey::service::core
