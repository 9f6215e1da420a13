#include "service/mail/outbox_mail_sender.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace latchkey::service::mail {

absl::Status OutboxMailSender::Send(const EmailMessage& message) {
  nlohmann::ordered_json line = {
      {"at", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                              absl::UTCTimeZone())},
      {"kind", message.kind},
      {"to", message.to},
      {"subject", message.subject},
      {"text", message.text},
      {"html", message.html},
  };
  std::string text =
      line.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace) +
      "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  int fd =
      ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the outbox: ", std::strerror(errno)));
  }
  const bool ok = ::write(fd, text.data(), text.size()) ==
                  static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return absl::UnavailableError("cannot write the outbox");
  return absl::OkStatus();
}

}  // namespace latchkey::service::mail
