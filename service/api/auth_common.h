#ifndef SERVICE_API_AUTH_COMMON_H_
#define SERVICE_API_AUTH_COMMON_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "identity/v1/common.pb.h"
#include "service/api/app_context.h"
#include "service/core/bot_challenge.h"
#include "service/core/mail_admission.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"
#include "service/mail/email_templates.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service::api {

// Pieces every sign-in and email flow of AuthService shares.

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

// Sends the mail of a code a core flow made (core/mail_admission.h): the
// link is `callback_url` with the code; `show_otp` puts the code's OTP in
// the mail too (sign-in codes, which can be typed instead of followed).
void SendCodeMail(AppContext& context, const core::ProjectSnapshot& project,
                  absl::string_view kind, absl::string_view callback_url,
                  const core::CodeMail& code, bool show_otp);

// What the account use cases of core (core/sign_in_services.h) work with:
// the server's shared instances.
core::SignInServices SignInServicesOf(AppContext& context);

// The caller's user id when they hold an anonymous user's token: signing
// up or in then upgrades that user instead of making another.
std::optional<std::string> AnonymousCaller(const Caller& caller);

absl::Status CheckBotChallengeShape(bool has_token, const std::string* phase,
                                    const std::string* unavailable);

// The shape of Stack's bot-challenge fields (CheckBotChallenge below also
// verifies them): a phase of "invisible" or "visible" that comes with a
// token, and "true" for unavailable, which comes with neither. SCHEMA_ERROR
// naming the field otherwise.
template <typename Request>
absl::Status CheckBotChallengeFields(const Request& request) {
  return CheckBotChallengeShape(request.has_bot_challenge_token(),
                                request.has_bot_challenge_phase()
                                    ? &request.bot_challenge_phase()
                                    : nullptr,
                                request.has_bot_challenge_unavailable()
                                    ? &request.bot_challenge_unavailable()
                                    : nullptr);
}

// The server's bot-challenge verifier: outbound calls bounded to 5 s and
// 64 KiB; http:// to a loopback host only with
// LATCHKEY_BOT_CHALLENGE_ALLOW_LOOPBACK_HTTP=true (tests).
const core::BotChallengeVerifier& SharedBotChallengeVerifier();

// CheckBotChallengeFields, then the project's verifier (if it has one).
template <typename Request>
absl::Status CheckBotChallenge(const core::ProjectSnapshot& project,
                               const CallContext& call,
                               const Request& request) {
  LATCHKEY_RETURN_IF_ERROR(CheckBotChallengeFields(request));
  core::BotChallengeAnswer answer;
  if (request.has_bot_challenge_token()) {
    answer.token = request.bot_challenge_token();
  }
  if (request.has_bot_challenge_phase()) {
    answer.phase = request.bot_challenge_phase();
  }
  answer.unavailable = request.has_bot_challenge_unavailable();
  answer.client_ip = call.client_ip();
  return SharedBotChallengeVerifier().Check(project.config.bot_challenge(),
                                            answer);
}

// {success: true}.
identity::v1::SuccessResponse Success();

// The check-code methods: {is_code_valid: true} for a usable code of
// `purpose`, else its VERIFICATION_CODE_* error. Uses nothing up.
absl::StatusOr<identity::v1::CheckCodeResponse> CheckCodeFor(
    AppContext& context, const CallContext& call, absl::string_view purpose,
    const identity::v1::CheckCodeRequest& request);

// The token pair of a sign-in as the contract returns it.
identity::v1::SignInResponse ToSignInResponse(core::SignedIn signed_in);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_AUTH_COMMON_H_
