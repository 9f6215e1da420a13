#ifndef SERVICE_MAIL_SMTP_MAIL_SENDER_H_
#define SERVICE_MAIL_SMTP_MAIL_SENDER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/mail/mail_sender.h"

namespace latchkey::service::mail {

// Sends through an SMTP server with libcurl.
struct SmtpSettings {
  // smtp://[user[:password]@]host[:port] (STARTTLS per `tls`) or
  // smtps://... (TLS from the first byte). Credentials are
  // percent-encoded in the URL.
  std::string url;
  // The envelope and From: address.
  std::string from;
  enum class Tls { kRequired, kOpportunistic, kNone };
  // STARTTLS for smtp:// URLs: required (default; a server without TLS is
  // an error), opportunistic, or none (local test servers only).
  Tls tls = Tls::kRequired;
  long timeout_seconds = 30;
};

// Thread-safe: each Send uses its own libcurl handle.
class SmtpMailSender : public MailSender {
 public:
  // INVALID_ARGUMENT for a URL that is not smtp:// or smtps://, or a From
  // address that is not one address.
  static absl::StatusOr<std::unique_ptr<SmtpMailSender>> Create(
      SmtpSettings settings);

  absl::Status Send(const EmailMessage& message) override;

  // The RFC 5322 text of `message` as it would be sent (for tests).
  std::string Render(const EmailMessage& message,
                     absl::string_view message_id) const;

 private:
  explicit SmtpMailSender(SmtpSettings settings)
      : settings_(std::move(settings)) {}
  SmtpSettings settings_;
};

// Whether `address` is one plain address safe to put in a header or an
// SMTP command: no CR, LF, NUL, spaces, angle brackets or commas, one "@",
// at most 254 bytes.
bool IsSafeAddress(absl::string_view address);

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_SMTP_MAIL_SENDER_H_
