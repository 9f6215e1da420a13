#ifndef SERVICE_PIPELINE_REQUEST_VALIDATOR_H_
#define SERVICE_PIPELINE_REQUEST_VALIDATOR_H_

#include <cstddef>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "identity/v1/options.pb.h"

namespace latchkey::service {

// Limits for fields whose identity.v1.field rule sets none.
struct ValidationLimits {
  // Strings and bytes.
  int default_max_string_bytes = 8192;
  // Repeated and map fields.
  int default_max_elements = 1000;
  // A google.protobuf.Value / Struct (metadata), serialized.
  size_t max_json_value_bytes = 64 * 1024;
  // Nesting of messages and JSON values.
  int max_depth = 32;
};

// Checks a request against the contract's field rules (required, max_length,
// min/max, server_only) and the default limits, before any handler sees it.
// Returns OK, or SCHEMA_ERROR (api_error.h) naming the first offending field
// by its path ("users[2].primary_email"). `caller` decides server_only: a
// client access type may not set those fields, nor name them in a
// google.protobuf.FieldMask (an update's `update_mask`), whose paths are
// resolved against the message holding the mask: a path that names a
// server_only field, passes through one ("server_metadata.x") or names a
// message holding one is refused alike, value or not, since naming a field
// with no value clears it. Mask paths that name no field are left to the
// method. Thread-safe (stateless).
absl::Status ValidateRequest(const google::protobuf::Message& request,
                             identity::v1::AccessType caller,
                             const ValidationLimits& limits = {});

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_REQUEST_VALIDATOR_H_
