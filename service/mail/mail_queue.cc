#include "service/mail/mail_queue.h"

#include "service/runtime/json_log.h"

namespace latchkey::service::mail {

MailQueue::MailQueue(std::unique_ptr<MailSender> sender, Options options)
    : sender_(std::move(sender)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

MailQueue::~MailQueue() {
  Drain(absl::Seconds(5));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool MailQueue::Enqueue(EmailMessage message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= options_.capacity) {
      ++counters_.dropped;
      LogJson(LogLevel::kError, "mail dropped: the queue is full",
              {{"kind", message.kind}, {"capacity", options_.capacity}});
      return false;
    }
    queue_.push_back(std::move(message));
  }
  wake_.notify_one();
  return true;
}

bool MailQueue::Drain(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [this] { return queue_.empty() && !busy_; });
}

MailQueue::Counters MailQueue::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Counters counters = counters_;
  counters.queued = static_cast<int64_t>(queue_.size());
  return counters;
}

void MailQueue::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    EmailMessage message = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();

    absl::Status status;
    absl::Duration delay = options_.first_retry_delay;
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      status = sender_->Send(message);
      if (status.ok() || status.code() != absl::StatusCode::kUnavailable) break;
      if (attempt == options_.max_attempts) break;
      // Wait before retrying, but wake for shutdown.
      std::unique_lock<std::mutex> wait_lock(mutex_);
      if (wake_.wait_for(wait_lock, absl::ToChronoNanoseconds(delay),
                         [this] { return stopping_; })) {
        break;
      }
      delay *= 2;
    }

    lock.lock();
    busy_ = false;
    if (status.ok()) {
      ++counters_.sent;
    } else {
      ++counters_.failed;
      // The message text holds codes and links: log only what is safe.
      LogJson(
          LogLevel::kError, "mail not delivered",
          {{"kind", message.kind}, {"error", std::string(status.message())}});
    }
    idle_.notify_all();
  }
}

}  // namespace latchkey::service::mail
