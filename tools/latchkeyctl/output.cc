#include "tools/latchkeyctl/output.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace latchkey::ctl {
namespace {

constexpr char kHidden[] = "<hidden: add --show-secrets>";

bool IsSecret(const std::string& name) {
  static const auto* names = new std::set<std::string>{
      "publishable_client_key", "secret_server_key", "super_secret_admin_key",
      "access_token", "refresh_token"};
  return names->count(name) > 0;
}

// Replaces set string fields named like secrets, at every depth.
void Redact(google::protobuf::Message& message) {
  const auto* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() ==
            google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
        !field->is_repeated() && IsSecret(field->name())) {
      reflection->SetString(&message, field, kHidden);
    } else if (field->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Redact(*reflection->MutableRepeatedMessage(&message, field, i));
        }
      } else {
        Redact(*reflection->MutableMessage(&message, field));
      }
    }
  }
}

std::string Scalar(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return "-";
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kNumberValue: {
      std::string text = std::to_string(value.number_value());
      if (text.find('.') != std::string::npos) {
        text.erase(text.find_last_not_of('0') + 1);
        if (text.back() == '.') text.pop_back();
      }
      return text;
    }
    default: {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(value, &json);
      return json;
    }
  }
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

}  // namespace

bool PrintMessage(const google::protobuf::Message& message,
                  const OutputOptions& options,
                  const std::vector<std::string>& columns) {
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  if (!options.show_secrets) Redact(*copy);
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(*copy, &json, print);
  if (options.json) {
    std::cout << json << "\n";
    return true;
  }
  google::protobuf::Struct object;
  (void)google::protobuf::util::JsonStringToMessage(json, &object);
  if (!options.field.empty()) {
    auto it = object.fields().find(options.field);
    if (it == object.fields().end()) return false;
    std::cout << Scalar(it->second) << "\n";
    return true;
  }
  auto items = object.fields().find("items");
  if (items != object.fields().end() && !columns.empty()) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header;
    for (const std::string& column : columns) {
      std::string title = column;
      std::transform(title.begin(), title.end(), title.begin(), ::toupper);
      header.push_back(title);
    }
    rows.push_back(header);
    for (const auto& item : items->second.list_value().values()) {
      std::vector<std::string> row;
      for (const std::string& column : columns) {
        auto value = item.struct_value().fields().find(column);
        row.push_back(value == item.struct_value().fields().end()
                          ? "-"
                          : Scalar(value->second));
      }
      rows.push_back(row);
    }
    PrintTable(rows);
    return true;
  }
  std::vector<std::vector<std::string>> rows;
  const auto* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string& name = descriptor->field(i)->name();
    auto value = object.fields().find(name);
    if (value == object.fields().end()) continue;
    rows.push_back({name, Scalar(value->second)});
  }
  PrintTable(rows);
  return true;
}

}  // namespace latchkey::ctl
