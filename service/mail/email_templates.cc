#include "service/mail/email_templates.h"

#include "absl/strings/str_replace.h"

namespace latchkey::service::mail {
namespace {

struct Template {
  const char* subject;
  const char* text;
};

Template BuiltIn(absl::string_view kind) {
  if (kind == kEmailVerification) {
    return {"Verify your email at {{project}}",
            "Hi,\n\nPlease verify your email address for {{project}} by "
            "opening this link:\n\n{{link}}\n\nIf you did not sign up, you can "
            "ignore this email.\n"};
  }
  if (kind == kSignInCode) {
    return {
        "Sign in to {{project}}: Your code is {{otp}}",
        "Hi,\n\nYour sign-in code for {{project}} is {{otp}}.\n\nOr sign in "
        "with this link:\n\n{{link}}\n\nIf you did not ask to sign in, you "
        "can ignore this email.\n"};
  }
  if (kind == kPasswordReset) {
    return {
        "Reset your password at {{project}}",
        "Hi,\n\nSomeone asked to reset the password of {{email}} at "
        "{{project}}. Open this link to choose a new one:\n\n{{link}}\n\nIf "
        "it was not you, you can ignore this email.\n"};
  }
  return {"You are invited to {{team}} at {{project}}",
          "Hi,\n\nYou have been invited to join the team {{team}} at "
          "{{project}}. Accept the invitation here:\n\n{{link}}\n"};
}

std::string Fill(absl::string_view text, const TemplateValues& values) {
  return absl::StrReplaceAll(text, {{"{{project}}", values.project},
                                    {"{{link}}", values.link},
                                    {"{{otp}}", values.otp},
                                    {"{{team}}", values.team},
                                    {"{{email}}", values.email}});
}

}  // namespace

EmailMessage RenderEmail(absl::string_view kind, const TemplateValues& values,
                         const identity::v1::ProjectConfig& config,
                         absl::string_view to) {
  Template chosen = BuiltIn(kind);
  std::string subject_template = chosen.subject;
  std::string text_template = chosen.text;
  if (auto it = config.email_templates().find(std::string(kind));
      it != config.email_templates().end()) {
    subject_template = it->second.subject();
    text_template = it->second.text();
  }
  EmailMessage message;
  message.to = std::string(to);
  message.kind = std::string(kind);
  message.subject = absl::StrReplaceAll(Fill(subject_template, values),
                                        {{"\r", " "}, {"\n", " "}});
  message.text = Fill(text_template, values);
  return message;
}

}  // namespace latchkey::service::mail
