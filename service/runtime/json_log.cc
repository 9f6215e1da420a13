#include "service/runtime/json_log.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

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

// `{"ts":"...","level":"...","msg":"..."` (no closing brace).
void AppendHeader(LogLevel level, absl::string_view message,
                  std::string& text) {
  text.append("{\"ts\":\"");
  AppendTimestamp(text);
  text.append("\",\"level\":\"");
  text.append(LevelName(level));
  text.append("\",\"msg\":");
  // Replace invalid UTF-8 rather than throw: a log line must never crash.
  text.append(nlohmann::json(message).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// One write(2) a line, so that lines of concurrent threads never mix.
void WriteLine(const std::string& text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) return;
    data += written;
    left -= static_cast<size_t>(written);
  }
}

}  // namespace

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
  WriteLine(text);
}

LogFields& LogFields::Add(absl::string_view key, absl::string_view value) {
  AppendKey(key);
  absl::StatusOr<std::string> quoted =
      crypto::JsonStringifyString({value.data(), value.size()});
  if (quoted.ok()) {
    text_.append(*quoted);
  } else {
    // Not UTF-8 (a client's bytes): nlohmann's writer replaces what does
    // not decode. Rare, so its copies do not matter.
    text_.append(
        nlohmann::json(std::string(value))
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return *this;
}

LogFields& LogFields::Add(absl::string_view key, int64_t value) {
  AppendKey(key);
  absl::StrAppend(&text_, value);
  return *this;
}

LogFields& LogFields::Add(absl::string_view key, double value) {
  AppendKey(key);
  // nlohmann's number form (shortest that reads back), as the map form.
  text_.append(nlohmann::json(value).dump());
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
  WriteLine(text);
}

}  // namespace latchkey::service
