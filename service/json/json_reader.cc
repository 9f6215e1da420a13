#include "service/json/json_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "service/json/json_fields.h"

namespace latchkey::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json_fields::IsJsonValueType;
using json_fields::IsUpdateMask;
using json_fields::IsWellKnown;
using json_fields::RuleOf;

std::string TypeName(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "a boolean";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "an integer";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_ENUM:
      return "one of the allowed values";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "an object";
  }
  return "a value";
}

// --- JSON -> google.protobuf.Value ------------------------------------

void JsonToValue(const nlohmann::json& json, google::protobuf::Value& value);

void JsonToStruct(const nlohmann::json& json, google::protobuf::Struct& out) {
  for (const auto& [key, item] : json.items()) {
    JsonToValue(item, (*out.mutable_fields())[key]);
  }
}

void JsonToValue(const nlohmann::json& json, google::protobuf::Value& value) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      value.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case nlohmann::json::value_t::boolean:
      value.set_bool_value(json.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      value.set_number_value(json.get<double>());
      break;
    case nlohmann::json::value_t::string:
      value.set_string_value(json.get<std::string>());
      break;
    case nlohmann::json::value_t::array:
      for (const auto& item : json) {
        JsonToValue(item, *value.mutable_list_value()->add_values());
      }
      value.mutable_list_value();
      break;
    case nlohmann::json::value_t::object:
      JsonToStruct(json, *value.mutable_struct_value());
      break;
    default:
      value.set_null_value(google::protobuf::NULL_VALUE);
  }
}

// --- JSON -> message ------------------------------------------------------

class Reader {
 public:
  explicit Reader(const JsonReadOptions& options) : options_(options) {}

  std::optional<JsonReadError> Object(const nlohmann::json& json,
                                      Message& message,
                                      const std::string& location,
                                      std::set<std::string>* present) {
    const Descriptor* type = message.GetDescriptor();
    if (IsJsonValueType(type)) return JsonValue(json, message, location);
    if (!json.is_object()) return Error(location, "must be an object");
    std::vector<std::string> unknown;
    for (const auto& [key, item] : json.items()) {
      const FieldDescriptor* field = type->FindFieldByName(key);
      if (field == nullptr || IsUpdateMask(field) ||
          (RuleOf(field).server_only() && !options_.allow_server_only)) {
        unknown.push_back(key);
        continue;
      }
      if (present != nullptr) present->insert(key);
      if (auto error =
              Field(item, message, field, absl::StrCat(location, ".", key));
          error.has_value()) {
        return error;
      }
    }
    if (!unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      return Error(location, absl::StrCat("contains unknown properties: ",
                                          absl::StrJoin(unknown, ", ")));
    }
    return std::nullopt;
  }

  std::optional<JsonReadError> Field(const nlohmann::json& json,
                                     Message& message,
                                     const FieldDescriptor* field,
                                     const std::string& location) {
    const Reflection* reflection = message.GetReflection();
    if (field->is_map()) {
      if (json.is_null()) return std::nullopt;
      if (!json.is_object()) return Error(location, "must be an object");
      const FieldDescriptor* key_field = field->message_type()->map_key();
      const FieldDescriptor* value_field = field->message_type()->map_value();
      if (key_field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return Error(location, "is not settable over REST");
      }
      for (const auto& [key, item] : json.items()) {
        Message* entry = reflection->AddMessage(&message, field);
        entry->GetReflection()->SetString(entry, key_field, key);
        if (auto error = Single(item, *entry, value_field,
                                absl::StrCat(location, ".", key));
            error.has_value()) {
          return error;
        }
      }
      return std::nullopt;
    }
    if (field->is_repeated()) {
      if (json.is_null()) return std::nullopt;
      if (!json.is_array()) return Error(location, "must be an array");
      int index = 0;
      for (const auto& item : json) {
        if (auto error = Repeated(item, message, field,
                                  absl::StrCat(location, "[", index++, "]"));
            error.has_value()) {
          return error;
        }
      }
      return std::nullopt;
    }
    return Single(json, message, field, location);
  }

 private:
  std::optional<JsonReadError> JsonValue(const nlohmann::json& json,
                                         Message& message,
                                         const std::string& location) {
    const Descriptor* type = message.GetDescriptor();
    if (IsWellKnown(type, "google.protobuf.Value")) {
      JsonToValue(json, static_cast<google::protobuf::Value&>(message));
      return std::nullopt;
    }
    if (IsWellKnown(type, "google.protobuf.Struct")) {
      if (!json.is_object()) return Error(location, "must be an object");
      JsonToStruct(json, static_cast<google::protobuf::Struct&>(message));
      return std::nullopt;
    }
    if (!json.is_array()) return Error(location, "must be an array");
    google::protobuf::Value list;
    JsonToValue(json, list);
    static_cast<google::protobuf::ListValue&>(message) = list.list_value();
    return std::nullopt;
  }

  // A singular field; JSON null leaves an optional field or a message unset
  // (the caller records the key, so PATCH can clear it).
  std::optional<JsonReadError> Single(const nlohmann::json& json,
                                      Message& message,
                                      const FieldDescriptor* field,
                                      const std::string& location) {
    const Reflection* reflection = message.GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const bool is_value =
          IsWellKnown(field->message_type(), "google.protobuf.Value");
      if (json.is_null() && !is_value) return std::nullopt;
      return Object(json, *reflection->MutableMessage(&message, field),
                    location, nullptr);
    }
    if (json.is_null()) {
      if (field->has_presence()) return std::nullopt;
      return Error(location, absl::StrCat("must be ", TypeName(field)));
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (!json.is_string()) return TypeError(field, location);
        reflection->SetString(&message, field, json.get<std::string>());
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!json.is_boolean()) return TypeError(field, location);
        reflection->SetBool(&message, field, json.get<bool>());
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        if (!json.is_number()) return TypeError(field, location);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          reflection->SetDouble(&message, field, json.get<double>());
        } else {
          reflection->SetFloat(&message, field, json.get<float>());
        }
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (!json.is_string()) return TypeError(field, location);
        const auto* value =
            field->enum_type()->FindValueByName(json.get<std::string>());
        if (value == nullptr) return TypeError(field, location);
        reflection->SetEnum(&message, field, value);
        return std::nullopt;
      }
      default:
        return Integer(json, message, field, location);
    }
  }

  std::optional<JsonReadError> Repeated(const nlohmann::json& json,
                                        Message& message,
                                        const FieldDescriptor* field,
                                        const std::string& location) {
    const Reflection* reflection = message.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (!json.is_string()) return TypeError(field, location);
        reflection->AddString(&message, field, json.get<std::string>());
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!json.is_boolean()) return TypeError(field, location);
        reflection->AddBool(&message, field, json.get<bool>());
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Object(json, *reflection->AddMessage(&message, field), location,
                      nullptr);
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        if (!json.is_number_integer()) return TypeError(field, location);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
          reflection->AddInt64(&message, field, json.get<int64_t>());
        } else {
          int64_t value = json.get<int64_t>();
          if (value < std::numeric_limits<int32_t>::min() ||
              value > std::numeric_limits<int32_t>::max()) {
            return Error(location, "is out of range");
          }
          reflection->AddInt32(&message, field, static_cast<int32_t>(value));
        }
        return std::nullopt;
      }
      default:
        return Error(location, "is not settable over REST");
    }
  }

  std::optional<JsonReadError> Integer(const nlohmann::json& json,
                                       Message& message,
                                       const FieldDescriptor* field,
                                       const std::string& location) {
    if (!json.is_number_integer() && !json.is_number_unsigned()) {
      return TypeError(field, location);
    }
    const Reflection* reflection = message.GetReflection();
    if (json.is_number_unsigned() &&
        json.get<uint64_t>() >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(location, "is out of range");
    }
    const int64_t value = json.get<int64_t>();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT64:
        reflection->SetInt64(&message, field, value);
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_INT32:
        if (value < std::numeric_limits<int32_t>::min() ||
            value > std::numeric_limits<int32_t>::max()) {
          return Error(location, "is out of range");
        }
        reflection->SetInt32(&message, field, static_cast<int32_t>(value));
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_UINT32:
        if (value < 0 || value > std::numeric_limits<uint32_t>::max()) {
          return Error(location, "is out of range");
        }
        reflection->SetUInt32(&message, field, static_cast<uint32_t>(value));
        return std::nullopt;
      case FieldDescriptor::CPPTYPE_UINT64:
        if (value < 0) return Error(location, "is out of range");
        reflection->SetUInt64(&message, field, static_cast<uint64_t>(value));
        return std::nullopt;
      default:
        return TypeError(field, location);
    }
  }

  static std::optional<JsonReadError> TypeError(const FieldDescriptor* field,
                                                const std::string& location) {
    return Error(location, absl::StrCat("must be ", TypeName(field)));
  }

  static std::optional<JsonReadError> Error(const std::string& location,
                                            absl::string_view what) {
    return JsonReadError{absl::StrCat(location, " ", what)};
  }

  const JsonReadOptions& options_;
};

}  // namespace

std::optional<JsonReadError> JsonToMessage(
    const nlohmann::json& object, Message& message, absl::string_view location,
    const JsonReadOptions& options, std::set<std::string>* present_keys) {
  return Reader(options).Object(object, message, std::string(location),
                                present_keys);
}

std::optional<JsonReadError> SetFieldFromText(
    Message& message, const std::vector<std::string>& field_path,
    absl::string_view value, absl::string_view location,
    const JsonReadOptions& options) {
  Message* target = &message;
  std::string where(location);
  for (size_t i = 0; i < field_path.size(); ++i) {
    absl::StrAppend(&where, ".", field_path[i]);
    const FieldDescriptor* field =
        target->GetDescriptor()->FindFieldByName(field_path[i]);
    if (field == nullptr || IsUpdateMask(field) ||
        (RuleOf(field).server_only() && !options.allow_server_only)) {
      return JsonReadError{absl::StrCat(location, " contains unknown property ",
                                        absl::StrJoin(field_path, "."))};
    }
    const Reflection* reflection = target->GetReflection();
    if (i + 1 < field_path.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated() || IsJsonValueType(field->message_type())) {
        return JsonReadError{absl::StrCat(where, " has no fields")};
      }
      target = reflection->MutableMessage(target, field);
      continue;
    }
    // The last field: convert the text to its type.
    nlohmann::json json;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
      case FieldDescriptor::CPPTYPE_ENUM:
        json = std::string(value);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (value == "true") {
          json = true;
        } else if (value == "false") {
          json = false;
        } else {
          return JsonReadError{absl::StrCat(where, " must be true or false")};
        }
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        int64_t number = 0;
        if (!absl::SimpleAtoi(value, &number)) {
          return JsonReadError{absl::StrCat(where, " must be an integer")};
        }
        json = number;
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double number = 0;
        if (!absl::SimpleAtod(value, &number) || !std::isfinite(number)) {
          return JsonReadError{absl::StrCat(where, " must be a number")};
        }
        json = number;
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return JsonReadError{absl::StrCat(where, " cannot be given as text")};
    }
    Reader reader(options);
    if (field->is_repeated()) {
      nlohmann::json list = nlohmann::json::array();
      list.push_back(std::move(json));
      return reader.Field(list, *target, field, where);
    }
    return reader.Field(json, *target, field, where);
  }
  return JsonReadError{absl::StrCat(location, " names no field")};
}

absl::StatusOr<google::protobuf::Value> JsonTextToValue(
    absl::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                              /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError("stored JSON does not parse");
  }
  google::protobuf::Value value;
  JsonToValue(json, value);
  return value;
}

}  // namespace latchkey::service
