#include "service/gateway/request_binder.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crypto/strict_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "service/errors/api_error.h"
#include "service/json/json_reader.h"

namespace latchkey::service::gateway {
namespace {

absl::Status ValidationFailed(absl::string_view problem) {
  return SchemaError(absl::StrCat("Request validation failed:\n  - ", problem));
}

absl::Status BodyParsingError(absl::string_view problem) {
  std::string text(problem);
  return ApiError(identity::v1::BODY_PARSING_ERROR, {{"message", text}}, text);
}

// "application/json; charset=utf-8" -> "application/json".
std::string MediaType(absl::string_view content_type) {
  absl::string_view type = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

bool IsBlank(absl::string_view text) {
  return absl::StripAsciiWhitespace(text).empty();
}

// key=value&key=value, percent-decoded ('+' is a space), applied in order.
absl::Status BindPairs(absl::string_view text, absl::string_view location,
                       const std::set<std::string>& path_fields,
                       const JsonReadOptions& options,
                       google::protobuf::Message& message,
                       std::set<std::string>* present,
                       bool ignore_unknown_keys = false) {
  if (text.empty()) return absl::OkStatus();
  for (absl::string_view pair : absl::StrSplit(text, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value = PercentDecode(
        eq == absl::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key.has_value() || !value.has_value()) {
      return location == "query"
                 ? ValidationFailed("the query string has a malformed %-escape")
                 : BodyParsingError("The form body has a malformed %-escape.");
    }
    std::vector<std::string> field_path = absl::StrSplit(*key, '.');
    if (ignore_unknown_keys &&
        message.GetDescriptor()->FindFieldByName(field_path[0]) == nullptr) {
      continue;
    }
    if (path_fields.count(field_path[0])) {
      return ValidationFailed(
          absl::StrCat(location, ".", *key, " is already given in the path"));
    }
    if (auto error =
            SetFieldFromText(message, field_path, *value, location, options);
        error.has_value()) {
      return ValidationFailed(error->message);
    }
    if (present != nullptr) present->insert(field_path[0]);
  }
  return absl::OkStatus();
}

absl::Status BindJsonBody(absl::string_view body,
                          const std::set<std::string>& path_fields,
                          const JsonReadOptions& options,
                          google::protobuf::Message& message,
                          std::set<std::string>* present) {
  absl::StatusOr<nlohmann::json> object =
      crypto::ParseStrictJsonObject(std::string_view(body.data(), body.size()));
  if (!object.ok()) {
    // Valid JSON that breaks our stricter rules (not an object, duplicate
    // keys, too deep) is a schema problem; anything else cannot be parsed.
    if (nlohmann::json::accept(body.begin(), body.end())) {
      return ValidationFailed(
          "body must be one JSON object, without duplicate keys, nested at "
          "most 16 deep");
    }
    return BodyParsingError("The request body is not valid JSON.");
  }
  for (const auto& [key, value] : object->items()) {
    if (path_fields.count(key)) {
      return ValidationFailed(
          absl::StrCat("body.", key, " is already given in the path"));
    }
  }
  if (auto error = JsonToMessage(*object, message, "body", options, present);
      error.has_value()) {
    return ValidationFailed(error->message);
  }
  return absl::OkStatus();
}

void FillUpdateMask(const std::set<std::string>& present,
                    google::protobuf::Message& message) {
  const auto* field = message.GetDescriptor()->FindFieldByName("update_mask");
  if (field == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
      field->message_type()->full_name() != "google.protobuf.FieldMask") {
    return;
  }
  auto* mask = static_cast<google::protobuf::FieldMask*>(
      message.GetReflection()->MutableMessage(&message, field));
  for (const std::string& key : present) mask->add_paths(key);
}

}  // namespace

absl::Status BindRequest(const HttpRequestParts& request,
                         const BindingRule& rule,
                         google::protobuf::Message& message) {
  JsonReadOptions options;
  options.allow_server_only = rule.allow_server_only;

  // Stage 1: path variables.
  std::set<std::string> path_fields;
  for (const PathBinding& binding : request.path_bindings) {
    path_fields.insert(binding.field_path[0]);
    if (auto error = SetFieldFromText(message, binding.field_path,
                                      binding.value, "params", options);
        error.has_value()) {
      return ValidationFailed(error->message);
    }
  }

  const bool has_body_rule = !rule.body_field.empty();
  std::set<std::string> present;

  // Stage 2: the query string. With body "*" every field comes from the
  // body, so any query parameter is unknown.
  if (has_body_rule && rule.ignore_unknown_keys) {
    if (auto status = BindPairs(request.query, "query", path_fields, options,
                                message, nullptr, /*ignore_unknown_keys=*/true);
        !status.ok()) {
      return status;
    }
  } else if (has_body_rule) {
    if (!request.query.empty()) {
      std::vector<std::string> keys;
      for (absl::string_view pair : absl::StrSplit(request.query, '&')) {
        if (!pair.empty()) keys.emplace_back(pair.substr(0, pair.find('=')));
      }
      if (!keys.empty()) {
        return ValidationFailed(absl::StrCat(
            "query contains unknown properties: ", absl::StrJoin(keys, ", ")));
      }
    }
  } else if (auto status =
                 BindPairs(request.query, "query", path_fields, options,
                           message, nullptr, rule.ignore_unknown_keys);
             !status.ok()) {
    return status;
  }

  // Stage 3: the body.
  const std::string media_type = MediaType(request.content_type);
  if (!has_body_rule) {
    // GET and DELETE: Stack's SDK sends "{}" on DELETE; accept nothing more.
    if (IsBlank(request.body)) return absl::OkStatus();
    absl::StatusOr<nlohmann::json> object = crypto::ParseStrictJsonObject(
        std::string_view(request.body.data(), request.body.size()));
    if (object.ok() && object->empty()) return absl::OkStatus();
    return ValidationFailed("this route takes no request body");
  }
  if (!IsBlank(request.body)) {
    if (media_type == "application/x-www-form-urlencoded" &&
        rule.body_encoding == identity::v1::BODY_ENCODING_FORM) {
      if (auto status = BindPairs(request.body, "body", path_fields, options,
                                  message, &present, rule.ignore_unknown_keys);
          !status.ok()) {
        return status;
      }
    } else if (media_type.empty() || media_type == "application/json" ||
               absl::EndsWith(media_type, "+json")) {
      if (auto status = BindJsonBody(request.body, path_fields, options,
                                     message, &present);
          !status.ok()) {
        return status;
      }
    } else {
      return ApiError(identity::v1::UNSUPPORTED_MEDIA_TYPE,
                      {{"content_type", media_type}},
                      rule.body_encoding == identity::v1::BODY_ENCODING_FORM
                          ? "Send application/x-www-form-urlencoded or "
                            "application/json."
                          : "Send application/json.");
    }
  }

  // Stage 4: PATCH semantics.
  FillUpdateMask(present, message);
  return absl::OkStatus();
}

}  // namespace latchkey::service::gateway
