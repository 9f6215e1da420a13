#ifndef SERVICE_RUNTIME_JSON_LOG_H_
#define SERVICE_RUNTIME_JSON_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace latchkey::service {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one JSON object per line to stderr: {"ts", "level", "msg", ...}.
// Callers choose every field; nothing secret (tokens, keys, passwords,
// codes) may be passed. Lines of concurrent threads never interleave.
// Thread-safe. Unless StartLogBuffering was called, each line is written
// with its own write(2) before the call returns.
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
  // Milliseconds to the microsecond, as a JSON number with three decimals
  // ("12.034"); negative durations as 0.000.
  LogFields& AddMillis(absl::string_view key, absl::Duration value);
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

// From here on, info lines are gathered in memory and written together by
// a writer thread at most `flush_interval` after the first of them, rather
// than one write(2) each: a write per request was the largest cost of a
// cached token check after the check itself. Warning and error lines, and
// any line that finds 1 MiB already waiting, are written at once by the
// caller (after the lines before them, so the order is kept); so are all
// lines after StopLogBuffering. The cost: if the process dies without
// StopLogBuffering or FlushLog (a crash, SIGKILL), the info lines of the
// last interval are lost. Call once, before the threads that log start.
// `flush_interval` must be positive; a process that wants every line
// written at once simply does not call this.
void StartLogBuffering(absl::Duration flush_interval);

// Writes what is waiting now; returns when it is written. Thread-safe.
void FlushLog();

// Writes what is waiting and stops the writer thread; lines after it are
// written at once again. Call before the process exits.
void StopLogBuffering();

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_JSON_LOG_H_
