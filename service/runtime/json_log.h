#ifndef SERVICE_RUNTIME_JSON_LOG_H_
#define SERVICE_RUNTIME_JSON_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace latchkey::service {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one JSON object per line to stderr: {"ts", "level", "msg", ...}.
// Callers choose every field; nothing secret (tokens, keys, passwords,
// codes) may be passed. Each line is written with one write(2) so lines
// from concurrent threads never interleave. Thread-safe.
void LogJson(LogLevel level, absl::string_view message,
             nlohmann::json fields = nlohmann::json::object());

// Fields written straight to text, for the line every call leaves: no JSON
// tree is built on the way. Add them in key order (the order LogJson's map
// of fields would print) and never twice, nor one named ts, level or msg.
// Written by LogJsonFields.
// Strings are escaped as JSON; invalid UTF-8 becomes U+FFFD.
class LogFields {
 public:
  LogFields() { text_.reserve(224); }
  LogFields& Add(absl::string_view key, absl::string_view value);
  LogFields& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  LogFields& Add(absl::string_view key, int64_t value);
  LogFields& Add(absl::string_view key, double value);
  // ",\"key\":value..." for each field, or "" when there are none.
  const std::string& text() const { return text_; }

 private:
  void AppendKey(absl::string_view key);
  std::string text_;
};

void LogJsonFields(LogLevel level, absl::string_view message,
                   const LogFields& fields);

// Lines below this level are dropped (default kInfo). Set once at start-up.
void SetMinimumLogLevel(LogLevel level);

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_JSON_LOG_H_
