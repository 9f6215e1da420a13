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

// The message of `kind` to `to`: the project's template when its config
// overrides one (email_templates), else the built-in one whose subjects are
// Stack's ("Verify your email at <Project>", "Sign in to <Project>: Your
// code is XXXXXX", "Reset your password at <Project>"). Placeholders are
// replaced once, left to right, so values cannot inject placeholders; line
// breaks in the subject are removed. Pure; thread-safe.
EmailMessage RenderEmail(absl::string_view kind, const TemplateValues& values,
                         const identity::v1::ProjectConfig& config,
                         absl::string_view to);

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_EMAIL_TEMPLATES_H_
