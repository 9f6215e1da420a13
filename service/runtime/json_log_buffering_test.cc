// StartLogBuffering: lines gathered in memory, written by a writer thread or
// at once when urgent. Its own test binary: buffering is process-wide.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/runtime/json_log.h"

namespace latchkey::service {
namespace {

// Points stderr at a temporary file for the test; Written() is what has
// reached it so far (not what is still waiting in memory).
class BufferedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/json_log_buffering_test.XXXXXX";
    file_ = mkstemp(path);
    ASSERT_GE(file_, 0);
    unlink(path);
    saved_stderr_ = dup(STDERR_FILENO);
    dup2(file_, STDERR_FILENO);
  }

  void TearDown() override {
    StopLogBuffering();
    dup2(saved_stderr_, STDERR_FILENO);
    close(saved_stderr_);
    close(file_);
  }

  std::string Written() const {
    std::string out;
    char buffer[65536];
    off_t offset = 0;
    for (ssize_t n; (n = pread(file_, buffer, sizeof buffer, offset)) > 0;) {
      out.append(buffer, static_cast<size_t>(n));
      offset += n;
    }
    return out;
  }

  std::vector<std::string> Messages() const {
    std::vector<std::string> messages;
    for (absl::string_view line :
         absl::StrSplit(Written(), '\n', absl::SkipEmpty())) {
      messages.push_back(nlohmann::json::parse(line)["msg"]);
    }
    return messages;
  }

  int file_ = -1;
  int saved_stderr_ = -1;
};

using Lines = std::vector<std::string>;

TEST_F(BufferedLogTest, InfoLinesWaitInMemoryUntilFlushed) {
  StartLogBuffering(absl::Hours(1));
  LogJson(LogLevel::kInfo, "first");
  LogJsonFields(LogLevel::kInfo, "second", LogFields().Add("code", int64_t{0}));
  EXPECT_EQ(Written(), "");
  FlushLog();
  EXPECT_EQ(Messages(), (Lines{"first", "second"}));
}

TEST_F(BufferedLogTest, WarningsAndErrorsAreWrittenAtOnceAfterEarlierLines) {
  StartLogBuffering(absl::Hours(1));
  LogJson(LogLevel::kInfo, "before");
  LogJson(LogLevel::kWarning, "warned");
  EXPECT_EQ(Messages(), (Lines{"before", "warned"}));
  LogJson(LogLevel::kInfo, "between");
  LogJsonFields(LogLevel::kError, "failed", LogFields());
  EXPECT_EQ(Messages(), (Lines{"before", "warned", "between", "failed"}));
}

TEST_F(BufferedLogTest, StopWritesWhatWaitsAndLaterLinesGoOutAtOnce) {
  StartLogBuffering(absl::Hours(1));
  LogJson(LogLevel::kInfo, "waiting");
  StopLogBuffering();
  EXPECT_EQ(Messages(), (Lines{"waiting"}));
  LogJson(LogLevel::kInfo, "unbuffered");
  EXPECT_EQ(Messages(), (Lines{"waiting", "unbuffered"}));
}

TEST_F(BufferedLogTest, TheWriterThreadWritesWithinTheInterval) {
  StartLogBuffering(absl::Milliseconds(5));
  LogJson(LogLevel::kInfo, "soon");
  // Waits for the writer thread (no flush from here); the bound is only
  // there so a broken writer fails the test instead of hanging it.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (Written().empty() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(Messages(), (Lines{"soon"}));
}

TEST_F(BufferedLogTest, AMebibyteWaitingIsWrittenByTheCallerNotHeld) {
  StartLogBuffering(absl::Hours(1));
  const std::string filler(1000, 'x');
  int logged = 0;
  while (Written().empty()) {
    ASSERT_LT(logged, 2000) << "more than a mebibyte held in memory";
    LogJson(LogLevel::kInfo, "filler", {{"text", filler}});
    ++logged;
  }
  // Everything logged so far went out with the line that crossed the mark.
  EXPECT_EQ(Messages().size(), static_cast<size_t>(logged));
  EXPECT_GE(Written().size(), size_t{1} << 20);
}

TEST_F(BufferedLogTest, LinesOfManyThreadsStayWholeAndInOrder) {
  StartLogBuffering(absl::Milliseconds(1));
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i) {
        // Some urgent lines among them, which flush from the caller.
        LogJsonFields(
            i % 97 == 0 ? LogLevel::kWarning : LogLevel::kInfo, "line",
            LogFields().Add("seq", int64_t{i}).Add("thread", int64_t{t}));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  StopLogBuffering();
  std::map<int, int> next_seq;
  int lines = 0;
  for (absl::string_view line :
       absl::StrSplit(Written(), '\n', absl::SkipEmpty())) {
    const nlohmann::json parsed = nlohmann::json::parse(line);  // whole
    const int thread = parsed["thread"];
    EXPECT_EQ(parsed["seq"], next_seq[thread]) << line;
    next_seq[thread] = parsed["seq"].get<int>() + 1;
    ++lines;
  }
  EXPECT_EQ(lines, kThreads * kLinesEach);
}

}  // namespace
}  // namespace latchkey::service
