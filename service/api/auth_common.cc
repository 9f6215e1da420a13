#include "service/api/auth_common.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "service/core/emails.h"
#include "service/core/trusted_domains.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {

absl::Status CheckRedirectUrl(const core::ProjectSnapshot& project,
                              absl::string_view url) {
  std::vector<core::DomainPattern> patterns;
  for (const auto& domain : project.config.domains()) {
    // The configuration was validated when written; a pattern that no
    // longer parses is skipped rather than trusted.
    if (auto parsed = core::ParseDomainPattern(domain.domain()); parsed.ok()) {
      patterns.push_back(*std::move(parsed));
    }
  }
  if (!core::IsTrustedRedirectUrl(url, patterns,
                                  project.config.allow_localhost())) {
    return ApiError(identity::v1::REDIRECT_URL_NOT_WHITELISTED);
  }
  return absl::OkStatus();
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

absl::StatusOr<std::string> PrepareMailTo(AppContext& context,
                                          const core::ProjectSnapshot& project,
                                          absl::string_view raw_email,
                                          absl::string_view callback_url) {
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            core::NormalizeEmail(raw_email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(CheckRedirectUrl(project, callback_url));
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.Consume(
      project.project.id, absl::StrCat("email:", email),
      project.config.rate_limits().email_per_address()));
  return email;
}

absl::Status LimitByIp(AppContext& context, const CallContext& call,
                       absl::string_view what,
                       const identity::v1::RateLimit& limit) {
  return context.rate_limiter.Consume(
      call.caller().project_id.empty() ? std::string("internal")
                                       : call.caller().project_id,
      absl::StrCat(what, "_ip:", call.client_ip()), limit);
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

identity::v1::SignInResponse ToSignInResponse(SignedIn signed_in) {
  identity::v1::SignInResponse response;
  response.set_access_token(std::move(signed_in.access_token));
  response.set_refresh_token(std::move(signed_in.refresh_token));
  response.set_user_id(std::move(signed_in.user_id));
  return response;
}

}  // namespace latchkey::service::api
