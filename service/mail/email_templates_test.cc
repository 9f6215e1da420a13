#include "service/mail/email_templates.h"

#include "gtest/gtest.h"

namespace latchkey::service::mail {
namespace {

TEST(RenderEmail, StacksSubjects) {
  identity::v1::ProjectConfig config;
  TemplateValues values{"Acme", "https://app/cb?code=x", "ABC123", "Team",
                        "a@b.c"};
  EXPECT_EQ(RenderEmail(kEmailVerification, values, config, "a@b.c").subject,
            "Verify your email at Acme");
  EXPECT_EQ(RenderEmail(kSignInCode, values, config, "a@b.c").subject,
            "Sign in to Acme: Your code is ABC123");
  EXPECT_EQ(RenderEmail(kPasswordReset, values, config, "a@b.c").subject,
            "Reset your password at Acme");
  EmailMessage link = RenderEmail(kSignInCode, values, config, "a@b.c");
  EXPECT_NE(link.text.find("https://app/cb?code=x"), std::string::npos);
  EXPECT_EQ(link.to, "a@b.c");
  EXPECT_EQ(link.kind, "sign_in_code");
}

TEST(RenderEmail, ProjectTemplatesWinAndValuesCannotInjectPlaceholders) {
  identity::v1::ProjectConfig config;
  auto& custom = (*config.mutable_email_templates())["password_reset"];
  custom.set_subject("Reset for {{project}}\r\nBcc: x@y.z");
  custom.set_text("Go to {{link}} now");
  TemplateValues values{"{{link}}", "https://l", "", "", ""};
  EmailMessage message = RenderEmail(kPasswordReset, values, config, "a@b.c");
  EXPECT_EQ(message.subject, "Reset for {{link}}  Bcc: x@y.z");
  EXPECT_EQ(message.text, "Go to https://l now");
}

TEST(RenderEmail, SignInCodeHtmlHasTheCodeInItsOwnElementAndTheLink) {
  identity::v1::ProjectConfig config;
  TemplateValues values{"Acme", "https://app/cb?code=abc123nonce&x=1", "ABC123",
                        "", "a@b.c"};
  EmailMessage message = RenderEmail(kSignInCode, values, config, "a@b.c");
  EXPECT_NE(message.html.find(">ABC123</p>"), std::string::npos)
      << message.html;
  // The link carries the whole code; & is escaped in the attribute.
  EXPECT_NE(
      message.html.find("href=\"https://app/cb?code=abc123nonce&amp;x=1\""),
      std::string::npos)
      << message.html;
  EXPECT_EQ(message.from_name, "Acme");
  for (absl::string_view kind :
       {kEmailVerification, kPasswordReset, kTeamInvitation}) {
    EmailMessage other = RenderEmail(kind, values, config, "a@b.c");
    EXPECT_NE(other.html.find("<!DOCTYPE html>"), std::string::npos) << kind;
    EXPECT_NE(other.html.find("https://app/cb?code=abc123nonce&amp;x=1"),
              std::string::npos)
        << kind;
  }
}

TEST(RenderEmail, ValuesAreEscapedInHtmlOnly) {
  identity::v1::ProjectConfig config;
  TemplateValues values{"<script>alert(1)</script> & \"Co\"", "https://l", "X",
                        "", "a@b.c"};
  EmailMessage message = RenderEmail(kEmailVerification, values, config, "a");
  EXPECT_EQ(message.html.find("<script>"), std::string::npos);
  EXPECT_NE(message.html.find(
                "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"),
            std::string::npos);
  EXPECT_NE(message.text.find("<script>alert(1)</script>"), std::string::npos);
  EXPECT_EQ(message.subject,
            "Verify your email at <script>alert(1)</script> & \"Co\"");
}

TEST(RenderEmail, ProjectHtmlTemplatesAndTextOnlyOverrides) {
  identity::v1::ProjectConfig config;
  auto& custom = (*config.mutable_email_templates())["sign_in_code"];
  custom.set_subject("Code {{otp}}");
  custom.set_text("Code: {{otp}}\n<b>not html</b>");
  TemplateValues values{"Acme", "https://l?a=1&b=2", "<OTP>", "", ""};
  EmailMessage text_only = RenderEmail(kSignInCode, values, config, "a@b.c");
  // Text shown as HTML: escaped, never interpreted.
  EXPECT_NE(text_only.html.find("Code: &lt;OTP&gt;\n&lt;b&gt;not html"),
            std::string::npos)
      << text_only.html;

  custom.set_html("<p class=\"code\">{{otp}}</p><a href=\"{{link}}\">go</a>");
  EmailMessage html = RenderEmail(kSignInCode, values, config, "a@b.c");
  EXPECT_EQ(html.html,
            "<p class=\"code\">&lt;OTP&gt;</p><a "
            "href=\"https://l?a=1&amp;b=2\">go</a>");
}

TEST(RenderEmail, FromNameHasNoLineBreaks) {
  identity::v1::ProjectConfig config;
  TemplateValues values{"Acme\r\nBcc: x@y.z", "l", "", "", ""};
  EXPECT_EQ(RenderEmail(kPasswordReset, values, config, "a@b.c").from_name,
            "Acme  Bcc: x@y.z");
}

}  // namespace
}  // namespace latchkey::service::mail
