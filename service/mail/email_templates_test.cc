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

}  // namespace
}  // namespace latchkey::service::mail
