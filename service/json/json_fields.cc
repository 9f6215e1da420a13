#include "service/json/json_fields.h"

namespace latchkey::service::json_fields {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

namespace {
constexpr char kUpdateMask[] = "update_mask";
}  // namespace

const identity::v1::FieldRule& RuleOf(const FieldDescriptor* field) {
  return field->options().GetExtension(identity::v1::field);
}

bool IsWellKnown(const Descriptor* type, absl::string_view name) {
  return type->full_name() == name;
}

bool IsJsonValueType(const Descriptor* type) {
  return IsWellKnown(type, "google.protobuf.Value") ||
         IsWellKnown(type, "google.protobuf.Struct") ||
         IsWellKnown(type, "google.protobuf.ListValue");
}

bool IsUpdateMask(const FieldDescriptor* field) {
  return field->name() == kUpdateMask &&
         field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         IsWellKnown(field->message_type(), "google.protobuf.FieldMask");
}

}  // namespace latchkey::service::json_fields
