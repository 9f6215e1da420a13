#ifndef SERVICE_MAIL_MAIL_QUEUE_H_
#define SERVICE_MAIL_MAIL_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "service/mail/mail_sender.h"

namespace latchkey::service::mail {

// Sends mail in the background so that requests never wait for, or fail
// because of, the mail server: a bounded queue, one sender thread, and a
// few retries with growing delays for temporary failures. A full queue
// drops the message (logged and counted; the flow's own answer does not
// change). Thread-safe.
class MailQueue {
 public:
  struct Options {
    size_t capacity = 1000;
    int max_attempts = 4;
    absl::Duration first_retry_delay = absl::Seconds(2);
  };

  MailQueue(std::unique_ptr<MailSender> sender, Options options);
  // Tries to send what is queued for a moment, then stops.
  ~MailQueue();

  // Queues `message`; false when the queue is full or shutting down.
  bool Enqueue(EmailMessage message);

  // Blocks until everything queued so far was sent or given up (tests,
  // shutdown). Returns false on timeout.
  bool Drain(absl::Duration timeout);

  struct Counters {
    int64_t sent = 0;
    int64_t failed = 0;   // given up after retries, or permanent errors
    int64_t dropped = 0;  // queue full
    int64_t queued = 0;   // waiting to be sent now (a gauge)
  };
  Counters counters() const;

 private:
  void Run();

  std::unique_ptr<MailSender> sender_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<EmailMessage> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  Counters counters_;
  std::thread thread_;
};

}  // namespace latchkey::service::mail

#endif  // SERVICE_MAIL_MAIL_QUEUE_H_
