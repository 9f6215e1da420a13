#ifndef SERVICE_MAIL_EMAIL_TEMPLATES_H_
#define SERVICE_MAIL_EMAIL_TEMPLATES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "identity/v1/project.pb.h"
#include "service/mail/mail_sender.h"

namespace latchkey::service::mail {

// The emails Latchkey sends, by kind.
inline constexpr absl::string_view kEmailVerification = "email_verification";
inline constexpr absl::string_view kSignInCode = "sign_in_code";
inline constexpr absl::string_view kPasswordReset = "password_reset";
inline constexpr absl::string_view kTeamInvitation = "team_invitation";

// What a template may say: {{project}}, {{link}}, {{otp}}, {{team}},
// {{email}}.
struct TemplateValues {
  std::string project;
  std::string link;
  std::string otp;
  std::string team;
  std::string email;
};

// The message of `kind` to `to`, as text and HTML: the project's template
// when its config overrides one (email_templates; an override without HTML
// gets its text, escaped, as HTML), else the built-in one whose subjects
// are Stack's ("Verify your email at <Project>", "Sign in to <Project>:
// Your code is XXXXXX", "Reset your password at <Project>"); the sign-in
// code stands alone in its own element of the HTML. Placeholders are
// replaced once, left to right, so values cannot inject placeholders;
// values are HTML-escaped in the HTML part; line breaks in the subject are
// removed. The From display name is the project's name. Pure; thread-safe.
EmailMessage RenderEmail(absl::string_view kind, const TemplateValues& values,
                         const identity::v1::ProjectConfig& config,
                         absl::string_view to);

// `text` with & < > " ' as character references: safe in HTML text and in
// quoted attribute values.
std::string HtmlEscape(absl::string_view text);

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_EMAIL_TEMPLATES_H_
