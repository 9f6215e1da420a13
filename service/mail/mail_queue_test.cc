#include "service/mail/mail_queue.h"

#include <fstream>
#include <mutex>
#include <sstream>

#include "gtest/gtest.h"
#include "service/mail/outbox_mail_sender.h"

namespace latchkey::service::mail {
namespace {

// A sender whose answers the test scripts (a unit-test double: the queue is
// what is under test here).
class ScriptedSender : public MailSender {
 public:
  explicit ScriptedSender(std::vector<absl::Status> answers)
      : answers_(std::move(answers)) {}
  absl::Status Send(const EmailMessage&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++calls_;
    if (answers_.empty()) return absl::OkStatus();
    absl::Status next = answers_.front();
    answers_.erase(answers_.begin());
    return next;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::vector<absl::Status> answers_;
  int calls_ = 0;
};

MailQueue::Options Fast() {
  MailQueue::Options options;
  options.first_retry_delay = absl::Milliseconds(1);
  return options;
}

TEST(MailQueue, RetriesTemporaryFailures) {
  auto sender = std::make_unique<ScriptedSender>(std::vector<absl::Status>{
      absl::UnavailableError("busy"), absl::UnavailableError("busy")});
  ScriptedSender* raw = sender.get();
  MailQueue queue(std::move(sender), Fast());
  ASSERT_TRUE(queue.Enqueue({"a@b.c", "s", "t", "k"}));
  ASSERT_TRUE(queue.Drain(absl::Seconds(10)));
  EXPECT_EQ(raw->calls(), 3);
  EXPECT_EQ(queue.counters().sent, 1);
}

TEST(MailQueue, GivesUpOnPermanentFailuresAtOnce) {
  auto sender = std::make_unique<ScriptedSender>(
      std::vector<absl::Status>{absl::InvalidArgumentError("bad address")});
  ScriptedSender* raw = sender.get();
  MailQueue queue(std::move(sender), Fast());
  ASSERT_TRUE(queue.Enqueue({"a@b.c", "s", "t", "k"}));
  ASSERT_TRUE(queue.Drain(absl::Seconds(10)));
  EXPECT_EQ(raw->calls(), 1);
  EXPECT_EQ(queue.counters().failed, 1);
}

TEST(MailQueue, AFullQueueDropsAndCounts) {
  MailQueue::Options options = Fast();
  options.capacity = 0;
  MailQueue queue(std::make_unique<ScriptedSender>(std::vector<absl::Status>{}),
                  options);
  EXPECT_FALSE(queue.Enqueue({"a@b.c", "s", "t", "k"}));
  EXPECT_EQ(queue.counters().dropped, 1);
}

TEST(OutboxMailSender, AppendsJsonLinesWithPrivatePermissions) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/outbox.jsonl";
  OutboxMailSender outbox(path);
  ASSERT_TRUE(outbox.Send({"a@b.c", "Subject 1", "Body 1", "k"}).ok());
  ASSERT_TRUE(outbox.Send({"d@e.f", "Subject 2", "Body 2", "k"}).ok());
  std::ifstream in(path);
  std::stringstream stream;
  stream << in.rdbuf();
  const std::string text = stream.str();
  EXPECT_NE(text.find("\"to\":\"a@b.c\""), std::string::npos);
  EXPECT_NE(text.find("Body 2"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

}  // namespace
}  // namespace latchkey::service::mail
