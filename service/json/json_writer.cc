#include "service/json/json_writer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "service/json/json_fields.h"

namespace latchkey::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;
using json_fields::IsUpdateMask;
using json_fields::IsWellKnown;
using json_fields::RuleOf;

// --- google.protobuf.Value -> JSON ------------------------------------

nlohmann::ordered_json ValueToJson(const google::protobuf::Value& value);

nlohmann::ordered_json StructToJson(const google::protobuf::Struct& value) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  // Map order is unspecified; sort for stable output.
  std::vector<std::string> keys;
  for (const auto& [key, item] : value.fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    out[key] = ValueToJson(value.fields().at(key));
  }
  return out;
}

nlohmann::ordered_json ValueToJson(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    case google::protobuf::Value::kNumberValue: {
      const double number = value.number_value();
      if (!std::isfinite(number)) return nullptr;
      // Integers stay integers in the output (1, not 1.0).
      if (std::trunc(number) == number && std::fabs(number) < 9.0e15) {
        return static_cast<int64_t>(number);
      }
      return number;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kListValue: {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& item : value.list_value().values()) {
        out.push_back(ValueToJson(item));
      }
      return out;
    }
    case google::protobuf::Value::kStructValue:
      return StructToJson(value.struct_value());
    default:
      return nullptr;
  }
}

// --- message -> JSON ------------------------------------------------------

class Writer {
 public:
  explicit Writer(const JsonWriteOptions& options) : options_(options) {}

  nlohmann::ordered_json Message(const google::protobuf::Message& message) {
    const Descriptor* type = message.GetDescriptor();
    if (IsWellKnown(type, "google.protobuf.Value")) {
      return ValueToJson(static_cast<const google::protobuf::Value&>(message));
    }
    if (IsWellKnown(type, "google.protobuf.Struct")) {
      return StructToJson(
          static_cast<const google::protobuf::Struct&>(message));
    }
    if (IsWellKnown(type, "google.protobuf.ListValue")) {
      google::protobuf::Value value;
      *value.mutable_list_value() =
          static_cast<const google::protobuf::ListValue&>(message);
      return ValueToJson(value);
    }
    const Reflection* reflection = message.GetReflection();
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const identity::v1::FieldRule& rule = RuleOf(field);
      if (rule.server_only() && !options_.include_server_only) continue;
      if (IsUpdateMask(field)) continue;
      const std::string& key =
          rule.rest_name().empty() ? field->name() : rule.rest_name();
      if (field->is_map()) {
        nlohmann::ordered_json map = nlohmann::ordered_json::object();
        const FieldDescriptor* key_field = field->message_type()->map_key();
        const FieldDescriptor* value_field = field->message_type()->map_value();
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          const auto& entry = reflection->GetRepeatedMessage(message, field, j);
          map[entry.GetReflection()->GetString(entry, key_field)] =
              Scalar(entry, value_field);
        }
        out[key] = std::move(map);
      } else if (field->is_repeated()) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          list.push_back(RepeatedElement(message, field, j));
        }
        out[key] = std::move(list);
      } else if (field->has_presence() &&
                 !reflection->HasField(message, field)) {
        if (!rule.omit_if_unset()) out[key] = nullptr;
      } else {
        out[key] = Scalar(message, field);
      }
    }
    return out;
  }

 private:
  nlohmann::ordered_json Scalar(const google::protobuf::Message& message,
                                const FieldDescriptor* field) {
    const Reflection* reflection = message.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return reflection->GetString(message, field);
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection->GetBool(message, field);
      case FieldDescriptor::CPPTYPE_INT32:
        return reflection->GetInt32(message, field);
      case FieldDescriptor::CPPTYPE_INT64:
        return reflection->GetInt64(message, field);
      case FieldDescriptor::CPPTYPE_UINT32:
        return reflection->GetUInt32(message, field);
      case FieldDescriptor::CPPTYPE_UINT64:
        return reflection->GetUInt64(message, field);
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return reflection->GetDouble(message, field);
      case FieldDescriptor::CPPTYPE_FLOAT:
        return reflection->GetFloat(message, field);
      case FieldDescriptor::CPPTYPE_ENUM:
        return reflection->GetEnum(message, field)->name();
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(reflection->GetMessage(message, field));
    }
    return nullptr;
  }

  nlohmann::ordered_json RepeatedElement(
      const google::protobuf::Message& message, const FieldDescriptor* field,
      int index) {
    const Reflection* reflection = message.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return reflection->GetRepeatedString(message, field, index);
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection->GetRepeatedBool(message, field, index);
      case FieldDescriptor::CPPTYPE_INT32:
        return reflection->GetRepeatedInt32(message, field, index);
      case FieldDescriptor::CPPTYPE_INT64:
        return reflection->GetRepeatedInt64(message, field, index);
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return reflection->GetRepeatedDouble(message, field, index);
      case FieldDescriptor::CPPTYPE_ENUM:
        return reflection->GetRepeatedEnum(message, field, index)->name();
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(reflection->GetRepeatedMessage(message, field, index));
      default:
        return nullptr;
    }
  }

  const JsonWriteOptions& options_;
};

}  // namespace

nlohmann::ordered_json MessageToJson(const google::protobuf::Message& message,
                                     const JsonWriteOptions& options) {
  return Writer(options).Message(message);
}

std::string ValueToJsonText(const google::protobuf::Value& value) {
  return ValueToJson(value).dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace latchkey::service
