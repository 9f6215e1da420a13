#ifndef SERVICE_MAIL_OUTBOX_MAIL_SENDER_H_
#define SERVICE_MAIL_OUTBOX_MAIL_SENDER_H_

#include <mutex>
#include <string>

#include "service/mail/mail_sender.h"

namespace latchkey::service::mail {

// Development only (latchkeyd --dev without SMTP): appends each message as
// one JSON line to a file (mode 0600) instead of sending it, so a developer
// can read sign-in codes and links. Thread-safe.
class OutboxMailSender : public MailSender {
 public:
  explicit OutboxMailSender(std::string path) : path_(std::move(path)) {}
  absl::Status Send(const EmailMessage& message) override;
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mutex_;
};

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_OUTBOX_MAIL_SENDER_H_
