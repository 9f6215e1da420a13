#ifndef SERVICE_PIPELINE_FIELD_VISIBILITY_H_
#define SERVICE_PIPELINE_FIELD_VISIBILITY_H_

#include "google/protobuf/message.h"

namespace latchkey::service {

// Clears every field marked identity.v1.field server_only, recursively, so
// that client callers get the client view of a response over gRPC as over
// REST. Thread-compatible (mutates `message` only).
void ClearServerOnlyFields(google::protobuf::Message& message);

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_FIELD_VISIBILITY_H_
