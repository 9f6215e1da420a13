#ifndef SERVICE_JSON_JSON_FIELDS_H_
#define SERVICE_JSON_JSON_FIELDS_H_

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "identity/v1/options.pb.h"

// Descriptor questions the JSON reader and writer must answer alike, so a
// field that is not on the wire one way is not on the wire the other way.
// Internal to //service/json.
namespace latchkey::service::json_fields {

// The contract's rule for `field` (server_only, omit_if_unset, ...).
const identity::v1::FieldRule& RuleOf(
    const google::protobuf::FieldDescriptor* field);

bool IsWellKnown(const google::protobuf::Descriptor* type,
                 absl::string_view name);

// google.protobuf.Value, Struct or ListValue: free-form JSON on the wire.
bool IsJsonValueType(const google::protobuf::Descriptor* type);

// The request's `update_mask` FieldMask: the gateway derives it from the
// keys a PATCH body names, so it is never read from nor written to JSON.
bool IsUpdateMask(const google::protobuf::FieldDescriptor* field);

}  // namespace latchkey::service::json_fields

#endif  // SERVICE_JSON_JSON_FIELDS_H_
