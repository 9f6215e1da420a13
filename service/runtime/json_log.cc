#include "service/runtime/json_log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/strict_json.h"

namespace latchkey::service {
namespace {

std::atomic<int> minimum_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Appends the line's time, "2026-01-02T03:04:05.678Z" (UTC, milliseconds
// truncated). The part up to the second is formatted once a second per
// thread: FormatTime (its time zone and format parsing) cost more than all
// the rest of a request's line.
void AppendTimestamp(std::string& out) {
  thread_local int64_t cached_second = std::numeric_limits<int64_t>::min();
  thread_local std::string cached_prefix;
  const int64_t millis = absl::ToUnixMillis(absl::Now());
  // Floor division: ToUnixMillis floors, and so must the split.
  int64_t second = millis / 1000;
  int64_t milli = millis % 1000;
  if (milli < 0) {
    milli += 1000;
    second -= 1;
  }
  if (second != cached_second) {
    cached_prefix =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
    cached_second = second;
  }
  out.append(cached_prefix);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + milli / 100));
  out.push_back(static_cast<char>('0' + milli / 10 % 10));
  out.push_back(static_cast<char>('0' + milli % 10));
  out.push_back('Z');
}

// `value` as a JSON string. Invalid UTF-8 is replaced rather than thrown
// on: a log line must never crash.
void AppendJsonString(absl::string_view value, std::string& out) {
  if (crypto::AppendJsonStringifiedString({value.data(), value.size()}, &out)
          .ok()) {
    return;
  }
  // Not UTF-8 (a client's bytes): nlohmann's writer replaces what does not
  // decode. Rare, so its copies do not matter.
  out.append(
      nlohmann::json(std::string(value))
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// `{"ts":"...","level":"...","msg":"..."` (no closing brace).
void AppendHeader(LogLevel level, absl::string_view message,
                  std::string& text) {
  text.append("{\"ts\":\"");
  AppendTimestamp(text);
  text.append("\",\"level\":\"");
  text.append(LevelName(level));
  text.append("\",\"msg\":");
  AppendJsonString(message, text);
}

// Writes all of `text` to stderr. Partial writes go on where they stopped;
// a failing stderr (closed, full disk) loses the text rather than stall.
void WriteAll(absl::string_view text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) return;
    data += written;
    left -= static_cast<size_t>(written);
  }
}

// Where lines go. Unbuffered, each line is one write(2), so that lines of
// concurrent threads never mix. Buffered, lines are appended to `pending_`
// and a writer thread writes them in one write(2) per flush interval.
// Every write of pending lines holds `write_mu_` from taking the lines to
// writing them, so batches (and urgent lines after them) reach stderr in
// the order they were logged.
class LineSink {
 public:
  void Write(absl::string_view line, bool urgent) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!buffering_) {
        // Unbuffered lines are written under mu_ too: a line logged
        // while StopLogBuffering flushes then waits for that flush.
        WriteAll(line);
        return;
      }
      const bool was_empty = pending_.empty();
      pending_.append(line.data(), line.size());
      if (!urgent && pending_.size() < kMaxPendingBytes) {
        if (was_empty) wake_.notify_one();
        return;
      }
    }
    Flush();
  }

  void Flush() {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    std::string batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(pending_);
    }
    WriteAll(batch);
  }

  void Start(absl::Duration flush_interval) {
    std::lock_guard<std::mutex> lock(mu_);
    if (buffering_) return;
    buffering_ = true;
    stopping_ = false;
    flush_interval_ = absl::ToChronoMilliseconds(flush_interval);
    writer_ = std::thread([this] { WriterLoop(); });
  }

  void Stop() {
    std::thread writer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!buffering_) return;
      stopping_ = true;
      wake_.notify_one();
      writer.swap(writer_);
    }
    writer.join();  // its last act is a flush
    std::lock_guard<std::mutex> write_lock(write_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    WriteAll(pending_);  // lines logged during that flush
    pending_.clear();
    buffering_ = false;
  }

 private:
  // Beyond this much waiting, the caller writes the lines itself: the
  // memory stays bounded when stderr is slow (a full pipe), and the
  // caller waits for stderr as it would without buffering.
  static constexpr size_t kMaxPendingBytes = size_t{1} << 20;

  void WriterLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      // Let the lines of one interval gather, then write them together.
      wake_.wait_for(lock, flush_interval_, [this] { return stopping_; });
      lock.unlock();
      Flush();
      lock.lock();
    }
  }

  // Lock order: write_mu_, then mu_. Synchronised with std::mutex rather
  // than absl::Mutex so that ThreadSanitizer sees it (Debian's Abseil is
  // not instrumented).
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;  // guarded by mu_, as are the fields below
  bool buffering_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds flush_interval_{0};
  std::thread writer_;
};

// Never destroyed: lines may be logged from other threads and static
// destructors while the process exits.
LineSink& Sink() {
  static LineSink* const sink = new LineSink();
  return *sink;
}

void WriteLine(LogLevel level, absl::string_view text) {
  Sink().Write(text, level != LogLevel::kInfo);
}

}  // namespace

void StartLogBuffering(absl::Duration flush_interval) {
  Sink().Start(flush_interval);
}

void FlushLog() { Sink().Flush(); }

void StopLogBuffering() { Sink().Stop(); }

void SetMinimumLogLevel(LogLevel level) {
  minimum_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

void LogJson(LogLevel level, absl::string_view message, nlohmann::json fields) {
  if (static_cast<int>(level) < minimum_level.load(std::memory_order_relaxed)) {
    return;
  }
  // Every line starts with ts, level, msg, then the fields in key order.
  // Written as text around the fields' own dump rather than through an
  // ordered copy of them: one line is written per call, and the copy cost
  // more than the rest of the line.
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  const bool fields_clash = fields.is_object() && (fields.contains("ts") ||
                                                   fields.contains("level") ||
                                                   fields.contains("msg"));
  std::string text;
  if (fields_clash) {
    // A field named like the header: the field wins, as it always has.
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    std::string ts;
    AppendTimestamp(ts);
    line["ts"] = std::move(ts);
    line["level"] = LevelName(level);
    line["msg"] = message;
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
    text = line.dump(-1, ' ', false,
                     nlohmann::ordered_json::error_handler_t::replace);
  } else {
    text.reserve(256);
    AppendHeader(level, message, text);
    if (fields.is_object() && !fields.empty()) {
      const std::string rest = fields.dump(-1, ' ', false, kReplace);
      text.push_back(',');
      text.append(rest, 1, std::string::npos);  // past its '{'
    } else {
      text.push_back('}');
    }
  }
  text.push_back('\n');
  WriteLine(level, text);
}

LogFields& LogFields::Add(absl::string_view key, absl::string_view value) {
  AppendKey(key);
  AppendJsonString(value, text_);
  return *this;
}

LogFields& LogFields::Add(absl::string_view key, int64_t value) {
  AppendKey(key);
  absl::StrAppend(&text_, value);
  return *this;
}

LogFields& LogFields::AddMillis(absl::string_view key, absl::Duration value) {
  AppendKey(key);
  const int64_t micros = std::max<int64_t>(0, absl::ToInt64Microseconds(value));
  const int64_t fraction = micros % 1000;
  absl::StrAppend(&text_, micros / 1000, ".");
  text_.push_back(static_cast<char>('0' + fraction / 100));
  text_.push_back(static_cast<char>('0' + fraction / 10 % 10));
  text_.push_back(static_cast<char>('0' + fraction % 10));
  return *this;
}

void LogFields::AppendKey(absl::string_view key) {
  text_.append(",\"");
  text_.append(key.data(), key.size());  // keys are ours: plain ASCII
  text_.append("\":");
}

void LogJsonFields(LogLevel level, absl::string_view message,
                   const LogFields& fields) {
  if (static_cast<int>(level) < minimum_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string text;
  text.reserve(64 + message.size() + fields.text().size());
  AppendHeader(level, message, text);
  text.append(fields.text());
  text.append("}\n");
  WriteLine(level, text);
}

}  // namespace latchkey::service
