#ifndef TESTS_TESTING_SMTP_SINK_H_
#define TESTS_TESTING_SMTP_SINK_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace latchkey::testing {

// A real SMTP server for tests: Python's aiosmtpd (Debian python3-aiosmtpd)
// on a free port of 127.0.0.1, storing what it receives in a maildir that
// the test reads back. Stopped (SIGTERM, then waited for) on destruction.
// Not thread-safe.
class SmtpSink {
 public:
  struct Message {
    std::map<std::string, std::string> headers;  // names lower-cased
    // As received (multipart: every part, encoded).
    std::string body;
    // The parts of a multipart message by media type ("text/plain",
    // "text/html"), decoded (base64 parts); a single-part message has its
    // body under its own type.
    std::map<std::string, std::string> parts;
  };

  // UNAVAILABLE when the server does not start within 20 s.
  static absl::StatusOr<std::unique_ptr<SmtpSink>> Start();
  ~SmtpSink();

  int port() const { return port_; }
  // "smtp://127.0.0.1:<port>".
  std::string url() const;

  // Every message received so far, once at least `count` have arrived (or
  // DEADLINE_EXCEEDED after `timeout`), oldest first.
  absl::StatusOr<std::vector<Message>> WaitForMessages(
      size_t count, absl::Duration timeout = absl::Seconds(20));

 private:
  SmtpSink() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string maildir_;
};

}  // namespace latchkey::testing

#endif  // TESTS_TESTING_SMTP_SINK_H_
