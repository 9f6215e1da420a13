#ifndef SERVICE_MAIL_MAIL_SENDER_H_
#define SERVICE_MAIL_MAIL_SENDER_H_

#include <string>

#include "absl/status/status.h"

namespace latchkey::service::mail {

// One email: plain text, and HTML too when `html` is set (sent as
// multipart/alternative). Addresses are bare ("ann@example.com").
struct EmailMessage {
  std::string to;
  std::string subject;
  std::string text;
  // For logs and metrics only: which flow sent it ("sign_in_code", ...).
  std::string kind;
  // The same content as HTML; empty: a text-only message.
  std::string html;
  // The display name of the From header (the project's name); the address
  // is the server's. Empty: the bare address.
  std::string from_name;
};

// Delivers email, synchronously. Implementations are thread-safe. Requests
// never call this directly: they enqueue on a MailQueue, so that a slow or
// failing mail server never slows or fails the request that sends mail.
class MailSender {
 public:
  virtual ~MailSender() = default;
  // OK once the message is accepted for delivery; UNAVAILABLE for failures
  // worth retrying (connection, 4xx), INVALID_ARGUMENT for messages that
  // can never be sent (bad address, header injection), others as they come.
  virtual absl::Status Send(const EmailMessage& message) = 0;
};

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_MAIL_SENDER_H_
