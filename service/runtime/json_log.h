#ifndef SERVICE_RUNTIME_JSON_LOG_H_
#define SERVICE_RUNTIME_JSON_LOG_H_

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

// Lines below this level are dropped (default kInfo). Set once at start-up.
void SetMinimumLogLevel(LogLevel level);

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_JSON_LOG_H_
