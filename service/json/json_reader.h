#ifndef SERVICE_JSON_JSON_READER_H_
#define SERVICE_JSON_JSON_READER_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace latchkey::service {

// JSON -> protobuf in Stack Auth's dialect, driven by descriptors and the
// contract's field options, and strict: snake_case names only (protobuf's
// camelCase names are unknown keys), unknown keys, wrong types and
// out-of-range numbers are errors, and server_only fields are unknown to
// client callers. The writer (json_writer.h) is the other direction.
// Stateless and thread-safe.

struct JsonReadOptions {
  // Client callers may not set server_only fields; to them such a key is
  // as unknown as a misspelt one.
  bool allow_server_only = true;
};

// Problems are reported as "<location>.<field path> <what is wrong>", e.g.
// "body.users[2].primary_email must be a string".
struct JsonReadError {
  std::string message;
};

// Fills `message` from `object` (a JSON object). Unknown keys, wrong types
// and out-of-range numbers are errors; so is the `update_mask` field, which
// the gateway fills itself. `present_keys` (optional) receives the
// top-level keys the object named, null ones included, for PATCH
// semantics. Returns nullopt on success.
std::optional<JsonReadError> JsonToMessage(const nlohmann::json& object,
                                           google::protobuf::Message& message,
                                           absl::string_view location,
                                           const JsonReadOptions& options,
                                           std::set<std::string>* present_keys);

// Sets the field at `field_path` (e.g. {"include_anonymous"}) from a text
// value, as query strings and form bodies carry them: strings as they are,
// booleans "true"/"false", integers in decimal. Repeated fields append.
// `location` names the source ("query"). Returns nullopt on success.
std::optional<JsonReadError> SetFieldFromText(
    google::protobuf::Message& message,
    const std::vector<std::string>& field_path, absl::string_view value,
    absl::string_view location, const JsonReadOptions& options);

// JSON text (as stored in metadata columns) to a google.protobuf.Value;
// INVALID_ARGUMENT when the text is not JSON.
absl::StatusOr<google::protobuf::Value> JsonTextToValue(absl::string_view text);

}  // namespace latchkey::service

#endif  // SERVICE_JSON_JSON_READER_H_
