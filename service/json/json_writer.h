#ifndef SERVICE_JSON_JSON_WRITER_H_
#define SERVICE_JSON_JSON_WRITER_H_

#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace latchkey::service {

// protobuf -> JSON in Stack Auth's shape, driven by descriptors and the
// contract's field options. Differences from protobuf's own JSON mapping,
// on purpose: snake_case names; int64 as JSON numbers; every field written
// (an unset optional scalar or message is null, unless the field is marked
// omit_if_unset); server_only fields hidden from client callers. The reader
// (json_reader.h) is the other direction. Stateless and thread-safe.

struct JsonWriteOptions {
  bool include_server_only = true;
};

// The JSON form of `message`, fields in declaration order.
nlohmann::ordered_json MessageToJson(const google::protobuf::Message& message,
                                     const JsonWriteOptions& options);

// A google.protobuf.Value as compact JSON text; an unset Value is "null".
std::string ValueToJsonText(const google::protobuf::Value& value);

}  // namespace latchkey::service

#endif  // SERVICE_JSON_JSON_WRITER_H_
