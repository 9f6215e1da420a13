// SmtpMailSender against a real SMTP server (aiosmtpd) on loopback.
#include "service/mail/smtp_mail_sender.h"

#include "gtest/gtest.h"
#include "tests/testing/smtp_sink.h"

namespace latchkey::service::mail {
namespace {

TEST(SmtpMailSender, DeliversAPlainTextMessage) {
  auto sink = testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status();
  SmtpSettings settings;
  settings.url = (*sink)->url();
  settings.from = "auth@latchkey.test";
  settings.tls = SmtpSettings::Tls::kNone;
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok()) << sender.status();
  EmailMessage message{
      "ann@example.com", "Sign in to Acme: Your code is ABC123",
      "Line one\n.starts with a dot\nCode: ABC123\n", "sign_in_code"};
  ASSERT_TRUE((*sender)->Send(message).ok());
  auto received = (*sink)->WaitForMessages(1);
  ASSERT_TRUE(received.ok()) << received.status();
  const auto& mail = (*received)[0];
  EXPECT_EQ(mail.headers.at("subject"), "Sign in to Acme: Your code is ABC123");
  EXPECT_EQ(mail.headers.at("to"), "ann@example.com");
  EXPECT_EQ(mail.headers.at("from"), "auth@latchkey.test");
  EXPECT_NE(mail.body.find(".starts with a dot"), std::string::npos);
  EXPECT_NE(mail.body.find("Code: ABC123"), std::string::npos);
}

TEST(SmtpMailSender, DeliversTextAndHtmlAsAlternativesFromTheProject) {
  auto sink = testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok()) << sink.status();
  SmtpSettings settings;
  settings.url = (*sink)->url();
  settings.from = "noreply@latchkey.test";
  settings.tls = SmtpSettings::Tls::kNone;
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok()) << sender.status();
  EmailMessage message{"ann@example.com",
                       "Sign in to Acme: Your code is X1",
                       "Code: X1\n",
                       "sign_in_code",
                       "<p>" + std::string(2000, 'a') + "</p><p>X1</p>",
                       "Acme \"Rockets\""};
  ASSERT_TRUE((*sender)->Send(message).ok());
  auto received = (*sink)->WaitForMessages(1);
  ASSERT_TRUE(received.ok()) << received.status();
  const auto& mail = (*received)[0];
  EXPECT_EQ(mail.headers.at("from"),
            "\"Acme \\\"Rockets\\\"\" <noreply@latchkey.test>");
  EXPECT_EQ(mail.headers.at("to"), "ann@example.com");
  EXPECT_NE(mail.headers.at("content-type").find("multipart/alternative"),
            std::string::npos);
  EXPECT_NE(mail.body.find("Content-Type: text/plain; charset=utf-8"),
            std::string::npos);
  EXPECT_NE(mail.body.find("Code: X1"), std::string::npos);
  EXPECT_EQ(mail.parts.at("text/html"), message.html);
  EXPECT_EQ(mail.parts.at("text/plain"), "Code: X1\n");
}

TEST(SmtpMailSender, FromDisplayNamesAreQuotedOrEncoded) {
  SmtpSettings settings{"smtp://127.0.0.1:1", "a@b.c"};
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok());
  auto from_line = [&](const std::string& name) {
    std::string rendered =
        (*sender)->Render({"x@y.z", "s", "t", "k", "", name}, "id@b.c");
    const size_t start = rendered.find("From: ");
    return rendered.substr(start, rendered.find("\r\n", start) - start);
  };
  EXPECT_EQ(from_line(""), "From: a@b.c");
  EXPECT_EQ(from_line("Acme"), "From: \"Acme\" <a@b.c>");
  // Control bytes never reach the header: no injected lines.
  EXPECT_EQ(from_line("Acme\r\nBcc: e@v.il"),
            "From: \"AcmeBcc: e@v.il\" <a@b.c>");
  EXPECT_EQ(from_line("Fusée"), "From: =?UTF-8?B?RnVzw6ll?= <a@b.c>");
}

TEST(SmtpMailSender, NonAsciiSubjectsAreEncoded) {
  SmtpSettings settings{"smtp://127.0.0.1:1", "a@b.c"};
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok());
  std::string rendered =
      (*sender)->Render({"x@y.z", "Vérifiez", "corps", "k"}, "id@b.c");
  EXPECT_NE(rendered.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(rendered.find("\r\n\r\ncorps\r\n"), std::string::npos);
}

TEST(SmtpMailSender, HeaderInjectionAndBadAddressesAreRefused) {
  SmtpSettings settings{"smtp://127.0.0.1:1", "a@b.c"};
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ((*sender)->Send({"x@y.z", "Hi\r\nBcc: evil@x.y", "t", "k"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      (*sender)->Send({"x@y.z\r\nRCPT TO:<e@v.il>", "s", "t", "k"}).code(),
      absl::StatusCode::kInvalidArgument);
  for (const char* bad :
       {"", "nobody", "a@b@c", "<a@b.c>", "a b@c.d", "a@b.c,d@e.f"}) {
    EXPECT_FALSE(IsSafeAddress(bad)) << bad;
  }
  EXPECT_TRUE(IsSafeAddress("first.last+tag@sub.example.com"));
}

TEST(SmtpMailSender, UnreachableServerIsATemporaryFailure) {
  SmtpSettings settings{"smtp://127.0.0.1:1", "a@b.c"};
  settings.tls = SmtpSettings::Tls::kNone;
  settings.timeout_seconds = 5;
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ((*sender)->Send({"x@y.z", "s", "t", "k"}).code(),
            absl::StatusCode::kUnavailable);
}

TEST(SmtpMailSender, RequiredTlsAgainstAPlainServerFails) {
  auto sink = testing::SmtpSink::Start();
  ASSERT_TRUE(sink.ok());
  SmtpSettings settings{(*sink)->url(), "a@b.c"};  // TLS required by default
  auto sender = SmtpMailSender::Create(settings);
  ASSERT_TRUE(sender.ok());
  EXPECT_FALSE((*sender)->Send({"x@y.z", "s", "t", "k"}).ok());
}

TEST(SmtpMailSender, SettingsAreValidated) {
  EXPECT_FALSE(SmtpMailSender::Create({"http://x", "a@b.c"}).ok());
  EXPECT_FALSE(SmtpMailSender::Create({"smtp://x", "not an address"}).ok());
}

}  // namespace
}  // namespace latchkey::service::mail
