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
