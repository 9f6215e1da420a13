#include "service/mail/email_templates.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace latchkey::service::mail {
namespace {

struct Template {
  const char* subject;
  const char* text;
  // The body of the HTML part, inside the shared frame (kHtmlFrame).
  const char* html;
};

// Every built-in HTML mail: one narrow column, inline styles only (mail
// clients drop style sheets).
constexpr char kHtmlFrame[] =
    "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"></head>\n"
    "<body style=\"margin:0;padding:24px;background:#f6f6f6;"
    "font-family:Helvetica,Arial,sans-serif;color:#222\">\n"
    "<div style=\"max-width:480px;margin:0 auto;padding:24px;"
    "background:#fff;border-radius:8px\">\n{{body}}</div>\n</body>\n</html>\n";

constexpr char kButtonStyle[] =
    "display:inline-block;padding:10px 20px;background:#222;color:#fff;"
    "text-decoration:none;border-radius:6px";

Template BuiltIn(absl::string_view kind) {
  if (kind == kEmailVerification) {
    return {"Verify your email at {{project}}",
            "Hi,\n\nPlease verify your email address for {{project}} by "
            "opening this link:\n\n{{link}}\n\nIf you did not sign up, you can "
            "ignore this email.\n",
            "<p>Hi,</p>\n<p>Please verify your email address for "
            "{{project}}.</p>\n<p><a href=\"{{link}}\" style=\"BUTTON\">Verify "
            "my email</a></p>\n<p style=\"font-size:12px;color:#666\">If you "
            "did not sign up, you can ignore this email.</p>\n"};
  }
  if (kind == kSignInCode) {
    // The code sits alone in its element, so that it is easy to read and
    // to pick out; the link carries the whole code (OTP and nonce).
    return {
        "Sign in to {{project}}: Your code is {{otp}}",
        "Hi,\n\nYour sign-in code for {{project}} is {{otp}}.\n\nOr sign in "
        "with this link:\n\n{{link}}\n\nIf you did not ask to sign in, you "
        "can ignore this email.\n",
        "<p>Hi,</p>\n<p>Your sign-in code for {{project}} is:</p>\n"
        "<p style=\"font-size:28px;font-weight:bold;letter-spacing:4px;"
        "font-family:monospace\">{{otp}}</p>\n<p>Or sign in with one click:"
        "</p>\n<p><a href=\"{{link}}\" style=\"BUTTON\">Sign in</a></p>\n"
        "<p style=\"font-size:12px;color:#666\">If you did not ask to sign "
        "in, you can ignore this email.</p>\n"};
  }
  if (kind == kPasswordReset) {
    return {
        "Reset your password at {{project}}",
        "Hi,\n\nSomeone asked to reset the password of {{email}} at "
        "{{project}}. Open this link to choose a new one:\n\n{{link}}\n\nIf "
        "it was not you, you can ignore this email.\n",
        "<p>Hi,</p>\n<p>Someone asked to reset the password of {{email}} at "
        "{{project}}.</p>\n<p><a href=\"{{link}}\" style=\"BUTTON\">Choose a "
        "new password</a></p>\n<p style=\"font-size:12px;color:#666\">If it "
        "was not you, you can ignore this email.</p>\n"};
  }
  return {"You are invited to {{team}} at {{project}}",
          "Hi,\n\nYou have been invited to join the team {{team}} at "
          "{{project}}. Accept the invitation here:\n\n{{link}}\n",
          "<p>Hi,</p>\n<p>You have been invited to join the team {{team}} at "
          "{{project}}.</p>\n<p><a href=\"{{link}}\" style=\"BUTTON\">Accept "
          "the invitation</a></p>\n"};
}

// Replaces each placeholder once, left to right (StrReplaceAll does not
// rescan what it inserted), so values cannot inject placeholders.
std::string Fill(absl::string_view text, const TemplateValues& values) {
  return absl::StrReplaceAll(text, {{"{{project}}", values.project},
                                    {"{{link}}", values.link},
                                    {"{{otp}}", values.otp},
                                    {"{{team}}", values.team},
                                    {"{{email}}", values.email}});
}

TemplateValues EscapedForHtml(const TemplateValues& values) {
  return {HtmlEscape(values.project), HtmlEscape(values.link),
          HtmlEscape(values.otp), HtmlEscape(values.team),
          HtmlEscape(values.email)};
}

// Plain text shown as HTML: escaped, line breaks kept.
std::string TextAsHtml(absl::string_view text) {
  return absl::StrCat("<div style=\"white-space:pre-wrap\">", HtmlEscape(text),
                      "</div>\n");
}

std::string WithoutLineBreaks(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r", " "}, {"\n", " "}});
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

EmailMessage RenderEmail(absl::string_view kind, const TemplateValues& values,
                         const identity::v1::ProjectConfig& config,
                         absl::string_view to) {
  const Template chosen = BuiltIn(kind);
  EmailMessage message;
  message.to = std::string(to);
  message.kind = std::string(kind);
  message.from_name = WithoutLineBreaks(values.project);
  const TemplateValues escaped = EscapedForHtml(values);
  if (auto it = config.email_templates().find(std::string(kind));
      it != config.email_templates().end()) {
    const identity::v1::EmailTemplate& custom = it->second;
    message.subject = WithoutLineBreaks(Fill(custom.subject(), values));
    message.text = Fill(custom.text(), values);
    // A project's HTML is its own document: only the values are escaped.
    message.html = custom.html().empty() ? TextAsHtml(message.text)
                                         : Fill(custom.html(), escaped);
    return message;
  }
  message.subject = WithoutLineBreaks(Fill(chosen.subject, values));
  message.text = Fill(chosen.text, values);
  const std::string body = absl::StrReplaceAll(
      Fill(chosen.html, escaped),
      {{"style=\"BUTTON\"", absl::StrCat("style=\"", kButtonStyle, "\"")}});
  message.html = absl::StrReplaceAll(kHtmlFrame, {{"{{body}}", body}});
  return message;
}

}  // namespace latchkey::service::mail
