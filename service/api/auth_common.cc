#include "service/api/auth_common.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "service/errors/api_error.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::api {

const core::BotChallengeVerifier& SharedBotChallengeVerifier() {
  static const auto* const kVerifier = [] {
    CurlHttpClientOptions options;
    // A challenge answer is small and quick, or the verifier is down.
    options.connect_timeout = absl::Seconds(3);
    options.total_timeout = absl::Seconds(5);
    options.max_response_bytes = 64 * 1024;
    const char* loopback =
        std::getenv("LATCHKEY_BOT_CHALLENGE_ALLOW_LOOPBACK_HTTP");
    options.allow_loopback_http =
        loopback != nullptr && std::strcmp(loopback, "true") == 0;
    const char* private_networks =
        std::getenv("LATCHKEY_OUTBOUND_ALLOW_PRIVATE_NETWORKS");
    options.allow_private_networks = private_networks != nullptr &&
                                     std::strcmp(private_networks, "true") == 0;
    auto* http = new CurlHttpClient(std::move(options));
    return new core::BotChallengeVerifier(*http);
  }();
  return *kVerifier;
}

std::string LinkWithCode(absl::string_view callback_url,
                         absl::string_view code) {
  const size_t fragment = callback_url.find('#');
  absl::string_view base = callback_url.substr(0, fragment);
  const char* separator = base.find('?') == absl::string_view::npos ? "?" : "&";
  return absl::StrCat(base, separator, "code=", code,
                      fragment == absl::string_view::npos
                          ? absl::string_view()
                          : callback_url.substr(fragment));
}

std::string ProjectNameForEmails(const core::ProjectSnapshot& project) {
  return project.config.display_name_for_emails().empty()
             ? project.project.display_name
             : project.config.display_name_for_emails();
}

void SendEmail(AppContext& context, const core::ProjectSnapshot& project,
               absl::string_view kind, mail::TemplateValues values,
               absl::string_view to) {
  values.project = ProjectNameForEmails(project);
  context.mail.Enqueue(mail::RenderEmail(kind, values, project.config, to));
}

void SendCodeMail(AppContext& context, const core::ProjectSnapshot& project,
                  absl::string_view kind, absl::string_view callback_url,
                  const core::CodeMail& code, bool show_otp) {
  mail::TemplateValues values;
  values.link = LinkWithCode(callback_url, code.code);
  if (show_otp) values.otp = code.otp;
  values.email = code.to;
  SendEmail(context, project, kind, std::move(values), code.to);
}

core::SignInServices SignInServicesOf(AppContext& context) {
  return core::SignInServices{context.database,  context.clock,
                              context.passwords, context.rate_limiter,
                              context.sessions,  context.token_issuer,
                              context.codes};
}

std::optional<std::string> AnonymousCaller(const Caller& caller) {
  if (caller.user.has_value() && caller.user->is_anonymous()) {
    return caller.user->sub();
  }
  return std::nullopt;
}

absl::Status CheckBotChallengeShape(bool has_token, const std::string* phase,
                                    const std::string* unavailable) {
  if (unavailable != nullptr) {
    if (*unavailable != "true") {
      return SchemaError("body.bot_challenge_unavailable must be \"true\"");
    }
    if (has_token || phase != nullptr) {
      return SchemaError(
          "body.bot_challenge_unavailable cannot come with a bot challenge "
          "token or phase");
    }
    return absl::OkStatus();
  }
  if (phase != nullptr) {
    if (*phase != "invisible" && *phase != "visible") {
      return SchemaError(
          "body.bot_challenge_phase must be \"invisible\" or \"visible\"");
    }
    if (!has_token) {
      return SchemaError(
          "body.bot_challenge_phase needs a bot_challenge_token");
    }
  }
  return absl::OkStatus();
}

identity::v1::SuccessResponse Success() {
  identity::v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::StatusOr<identity::v1::CheckCodeResponse> CheckCodeFor(
    AppContext& context, const CallContext& call, absl::string_view purpose,
    const identity::v1::CheckCodeRequest& request) {
  absl::Status status =
      context.codes.Verify(call.caller().project_id, purpose, request.code())
          .status();
  if (!status.ok()) return status;
  identity::v1::CheckCodeResponse response;
  response.set_is_code_valid(true);
  return response;
}

identity::v1::SignInResponse ToSignInResponse(core::SignedIn signed_in) {
  identity::v1::SignInResponse response;
  response.set_access_token(std::move(signed_in.access_token));
  response.set_refresh_token(std::move(signed_in.refresh_token));
  response.set_user_id(std::move(signed_in.user_id));
  return response;
}

}  // namespace latchkey::service::api
