#include "service/runtime/json_log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

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
    line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                  absl::UTCTimeZone());
    line["level"] = LevelName(level);
    line["msg"] = message;
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
    text = line.dump(-1, ' ', false,
                     nlohmann::ordered_json::error_handler_t::replace);
  } else {
    text.reserve(256);
    text.append("{\"ts\":\"");
    text.append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                 absl::UTCTimeZone()));
    text.append("\",\"level\":\"");
    text.append(LevelName(level));
    text.append("\",\"msg\":");
    // Replace invalid UTF-8 rather than throw: a log line must never crash.
    text.append(nlohmann::json(message).dump(-1, ' ', false, kReplace));
    if (fields.is_object() && !fields.empty()) {
      const std::string rest = fields.dump(-1, ' ', false, kReplace);
      text.push_back(',');
      text.append(rest, 1, std::string::npos);  // past its '{'
    } else {
      text.push_back('}');
    }
  }
  text.push_back('\n');
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) return;
    data += written;
    left -= static_cast<size_t>(written);
  }
}

}  // namespace latchkey::service
