#ifndef SERVICE_API_AUTH_COMMON_H_
#define SERVICE_API_AUTH_COMMON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/v1/common.pb.h"
#include "service/api/app_context.h"
#include "service/api/sign_in.h"
#include "service/core/project_directory.h"
#include "service/mail/email_templates.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service::api {

// Pieces every sign-in and email flow of AuthService shares.

// REDIRECT_URL_NOT_WHITELISTED unless `url` is on the project's trusted
// domains (or localhost, where the project allows it).
absl::Status CheckRedirectUrl(const core::ProjectSnapshot& project,
                              absl::string_view url);

// `<callback_url>?code=<code>` (or `&code=` when the URL has a query).
std::string LinkWithCode(absl::string_view callback_url,
                         absl::string_view code);

// The name emails use for the project.
std::string ProjectNameForEmails(const core::ProjectSnapshot& project);

// Renders and queues an email; a full queue is logged by the queue and
// does not change the flow's answer. Call it after the transaction that
// made the email's code has committed (a transaction may run more than
// once, or roll back).
void SendEmail(AppContext& context, const core::ProjectSnapshot& project,
               absl::string_view kind, mail::TemplateValues values,
               absl::string_view to);

// An email decided inside a transaction, sent once it has committed.
struct PendingEmail {
  std::string kind;
  mail::TemplateValues values;
  std::string to;
};

// The checks before mailing a code or link to an address a caller typed:
// the address normalised (SCHEMA_ERROR naming body.email), the callback
// URL within the project's trusted domains, and the per-address mail
// limit (one budget per address across every kind of mail). Returns the
// normalised address.
absl::StatusOr<std::string> PrepareMailTo(AppContext& context,
                                          const core::ProjectSnapshot& project,
                                          absl::string_view raw_email,
                                          absl::string_view callback_url);

// Rate-limit keys. The client address limits per origin, the account (the
// normalised email or user id) per target.
absl::Status LimitByIp(AppContext& context, const CallContext& call,
                       absl::string_view what,
                       const identity::v1::RateLimit& limit);

// The check-code methods: {is_code_valid: true} for a usable code of
// `purpose`, else its VERIFICATION_CODE_* error. Uses nothing up.
absl::StatusOr<identity::v1::CheckCodeResponse> CheckCodeFor(
    AppContext& context, const CallContext& call, absl::string_view purpose,
    const identity::v1::CheckCodeRequest& request);

// The token pair of a sign-in as the contract returns it.
identity::v1::SignInResponse ToSignInResponse(SignedIn signed_in);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_AUTH_COMMON_H_
