#include "tools/openapi/openapi_builder.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "identity/v1/options.pb.h"

namespace latchkey::openapi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using identity::v1::AccessRule;
using identity::v1::AccessType;
using identity::v1::ErrorCode;
using json = nlohmann::ordered_json;

constexpr absl::string_view kPackagePrefix = "identity.v1.";
constexpr absl::string_view kErrorPrefix = "StackError.";

enum class Direction { kRequest, kResponse };

struct Route {
  std::string http_method;  // lower case
  std::string path_template;
  std::string body;
};

// Every binding of an RPC, as the gateway's route table takes them.
std::vector<Route> RoutesOf(const google::api::HttpRule& rule) {
  std::vector<Route> routes;
  auto add = [&routes](const google::api::HttpRule& r) {
    switch (r.pattern_case()) {
      case google::api::HttpRule::kGet:
        routes.push_back({"get", r.get(), r.body()});
        break;
      case google::api::HttpRule::kPost:
        routes.push_back({"post", r.post(), r.body()});
        break;
      case google::api::HttpRule::kPut:
        routes.push_back({"put", r.put(), r.body()});
        break;
      case google::api::HttpRule::kPatch:
        routes.push_back({"patch", r.patch(), r.body()});
        break;
      case google::api::HttpRule::kDelete:
        routes.push_back({"delete", r.delete_(), r.body()});
        break;
      case google::api::HttpRule::kCustom:
        routes.push_back({absl::AsciiStrToLower(r.custom().kind()),
                          r.custom().path(), r.body()});
        break;
      default:
        break;
    }
  };
  add(rule);
  for (const auto& extra : rule.additional_bindings()) add(extra);
  return routes;
}

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

// The gateway fills update_mask from a PATCH body's keys; it is never JSON.
bool IsUpdateMask(const FieldDescriptor* field) {
  return field->name() == "update_mask" &&
         field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         IsWellKnown(field->message_type(), "google.protobuf.FieldMask");
}

std::string ShortName(absl::string_view full_name) {
  absl::ConsumePrefix(&full_name, kPackagePrefix);
  return std::string(full_name);
}

std::string SchemaRef(absl::string_view name) {
  return absl::StrCat("#/components/schemas/", name);
}

std::string ParameterRef(absl::string_view name) {
  return absl::StrCat("#/components/parameters/", name);
}

// The schema, or it or null. A schema without a type (any JSON) already
// admits null.
json Nullable(json schema) {
  if (schema.contains("type") && schema["type"].is_string() &&
      !schema.contains("enum")) {
    schema["type"] = json::array({schema["type"], "null"});
    return schema;
  }
  if (!schema.contains("type") && !schema.contains("$ref") &&
      !schema.contains("anyOf")) {
    return schema;
  }
  return json{{"anyOf", json::array({std::move(schema), {{"type", "null"}}})}};
}

// The first sentence of a comment, on one line.
std::string Summary(absl::string_view comment) {
  std::string flat = absl::StrReplaceAll(comment, {{"\n", " "}});
  const size_t end = flat.find(". ");
  if (end != std::string::npos) flat.resize(end + 1);
  return flat;
}

absl::string_view AccessTypeName(int type) {
  switch (type) {
    case identity::v1::ACCESS_TYPE_CLIENT:
      return "client";
    case identity::v1::ACCESS_TYPE_SERVER:
      return "server";
    case identity::v1::ACCESS_TYPE_ADMIN:
      return "admin";
    default:
      return "";
  }
}

bool Allows(const AccessRule& rule, AccessType type) {
  for (int allowed : rule.allow()) {
    if (allowed == type) return true;
  }
  return false;
}

const identity::v1::ErrorSpec& SpecOf(ErrorCode code) {
  return identity::v1::ErrorCode_descriptor()
      ->FindValueByNumber(code)
      ->options()
      .GetExtension(identity::v1::error);
}

// The headers Latchkey reads (service/pipeline/request_metadata.h), as
// reusable parameters.
struct HeaderParameter {
  const char* component;
  const char* name;
  const char* type;  // "string" or "boolean"
  const char* description;
};

constexpr HeaderParameter kHeaders[] = {
    {"ProjectId", "x-stack-project-id", "string",
     "The project the call is for."},
    {"PublishableClientKey", "x-stack-publishable-client-key", "string",
     "The project's publishable client key, for access type client. Needed "
     "only when the project requires it."},
    {"SecretServerKey", "x-stack-secret-server-key", "string",
     "The project's secret server key; required with access type server."},
    {"SuperSecretAdminKey", "x-stack-super-secret-admin-key", "string",
     "The project's super-secret admin key; with access type admin, this or "
     "x-stack-admin-access-token is required."},
    {"AdminAccessToken", "x-stack-admin-access-token", "string",
     "With access type admin: the access token of an internal-project user "
     "who administers the project, instead of the admin key."},
    {"AccessToken", "x-stack-access-token", "string",
     "The signed-in user's access token (or send it as authorization: Bearer "
     "<token>)."},
    {"RefreshToken", "x-stack-refresh-token", "string",
     "The user's refresh token."},
    {"BranchId", "x-stack-branch-id", "string",
     "The project branch; every project has one branch, \"main\"."},
    {"AllowAnonymousUser", "x-stack-allow-anonymous-user", "boolean",
     "\"true\" to accept an anonymous user's access token."},
    {"AllowRestrictedUser", "x-stack-allow-restricted-user", "boolean",
     "\"true\" to accept a restricted user's access token (for example one "
     "whose email is not yet verified)."},
    {"OverrideErrorStatus", "x-stack-override-error-status", "boolean",
     "When sent, a 4xx error is answered with status 200 and the real status "
     "in the x-stack-actual-status response header (for browsers that cannot "
     "read 4xx bodies)."},
};

json HeaderParameterSchema(const HeaderParameter& header) {
  json parameter = {{"name", header.name},
                    {"in", "header"},
                    {"description", header.description}};
  if (absl::string_view(header.name) == "x-stack-project-id") {
    parameter["required"] = true;
  }
  if (absl::string_view(header.type) == "boolean") {
    parameter["schema"] = {{"type", "string"},
                           {"enum", json::array({"true", "false"})}};
  } else {
    parameter["schema"] = {{"type", "string"}};
  }
  return parameter;
}

json HeaderRef(absl::string_view component) {
  return json{{"$ref", ParameterRef(component)}};
}

void AddUnique(std::vector<ErrorCode>& codes, ErrorCode code) {
  for (ErrorCode known : codes) {
    if (known == code) return;
  }
  codes.push_back(code);
}

// Builds components.schemas as operations refer to them.
class Schemas {
 public:
  explicit Schemas(const SourceComments& comments) : comments_(comments) {}

  // A field as it appears in a JSON object, for one direction.
  json Field(const FieldDescriptor* field, Direction direction) {
    const identity::v1::FieldRule& rule = RuleOf(field);
    json schema;
    if (field->is_map()) {
      schema = {{"type", "object"},
                {"additionalProperties",
                 Element(field->message_type()->map_value(), direction)}};
    } else if (field->is_repeated()) {
      schema = {{"type", "array"}, {"items", Element(field, direction)}};
      if (direction == Direction::kRequest && rule.max_length() > 0) {
        schema["maxItems"] = rule.max_length();
      }
    } else {
      schema = Element(field, direction);
      if (direction == Direction::kRequest) AddBounds(field, schema);
    }
    // The writer writes null for an unset field with presence (unless
    // omit_if_unset); the reader takes null as "unset" for those and for
    // lists and maps.
    const bool nullable = direction == Direction::kResponse
                              ? field->has_presence() && !rule.omit_if_unset()
                              : field->has_presence() || field->is_repeated();
    if (nullable) schema = Nullable(std::move(schema));
    if (std::string text = Describe(field, direction); !text.empty()) {
      schema["description"] = text;
    }
    return schema;
  }

  // One value of the field (a list's item), without nullability.
  json Element(const FieldDescriptor* field, Direction direction) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return {{"type", "string"}};
      case FieldDescriptor::CPPTYPE_BOOL:
        return {{"type", "boolean"}};
      case FieldDescriptor::CPPTYPE_INT32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::CPPTYPE_INT64:
        return {{"type", "integer"}, {"format", "int64"}};
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        return {{"type", "integer"}, {"minimum", 0}};
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case FieldDescriptor::CPPTYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case FieldDescriptor::CPPTYPE_ENUM:
        return {{"$ref", SchemaRef(Enum(field->enum_type()))}};
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Message(field->message_type(), direction);
    }
    return json::object();
  }

  // A message field's schema: free-form JSON for Value/Struct/ListValue,
  // otherwise a reference to the message's component.
  json Message(const Descriptor* type, Direction direction) {
    if (IsWellKnown(type, "google.protobuf.Value")) return json::object();
    if (IsWellKnown(type, "google.protobuf.Struct")) {
      return {{"type", "object"}};
    }
    if (IsWellKnown(type, "google.protobuf.ListValue")) {
      return {{"type", "array"}};
    }
    std::string name = ShortName(type->full_name());
    // Requests and responses differ (what is required, what may be null),
    // so a message used both ways has two components.
    if (direction == Direction::kRequest) absl::StrAppend(&name, "Input");
    if (!schemas_.contains(name)) {
      schemas_[name] = nullptr;  // recursion guard
      schemas_[name] = Object(type, direction, {});
    }
    return {{"$ref", SchemaRef(name)}};
  }

  // The JSON object of a message, less the fields in `skip` (path fields).
  json Object(const Descriptor* type, Direction direction,
              const std::set<std::string>& skip) {
    json schema = {{"type", "object"}};
    if (const std::string& text = comments_.Of(type->full_name());
        !text.empty()) {
      schema["description"] = text;
    }
    json properties = json::object();
    json required = json::array();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (IsUpdateMask(field) || skip.count(field->name())) continue;
      const identity::v1::FieldRule& rule = RuleOf(field);
      properties[field->name()] = Field(field, direction);
      const bool always_written =
          !rule.server_only() &&
          !(field->has_presence() && rule.omit_if_unset());
      if (direction == Direction::kResponse ? always_written
                                            : rule.required()) {
        required.push_back(field->name());
      }
    }
    schema["properties"] = std::move(properties);
    if (!required.empty()) schema["required"] = std::move(required);
    // The reader refuses keys it does not know (SCHEMA_ERROR).
    if (direction == Direction::kRequest) {
      schema["additionalProperties"] = false;
    }
    return schema;
  }

  void AddBounds(const FieldDescriptor* field, json& schema) {
    const identity::v1::FieldRule& rule = RuleOf(field);
    if (rule.has_min()) schema["minimum"] = rule.min();
    if (rule.has_max()) schema["maximum"] = rule.max();
  }

  std::string Enum(const EnumDescriptor* type) {
    std::string name = ShortName(type->full_name());
    if (!schemas_.contains(name)) {
      json values = json::array();
      std::vector<std::string> notes;
      for (int i = 0; i < type->value_count(); ++i) {
        values.push_back(type->value(i)->name());
        if (const std::string& text = comments_.Of(type->value(i)->full_name());
            !text.empty()) {
          notes.push_back(
              absl::StrCat("- ", type->value(i)->name(), ": ",
                           absl::StrReplaceAll(text, {{"\n", " "}})));
        }
      }
      json schema = {{"type", "string"}};
      std::string text = comments_.Of(type->full_name());
      if (!notes.empty()) {
        absl::StrAppend(&text, text.empty() ? "" : "\n\n",
                        absl::StrJoin(notes, "\n"));
      }
      if (!text.empty()) schema["description"] = text;
      schema["enum"] = std::move(values);
      schemas_[name] = std::move(schema);
    }
    return name;
  }

  json& components() { return schemas_; }

 private:
  std::string Describe(const FieldDescriptor* field, Direction direction) {
    const identity::v1::FieldRule& rule = RuleOf(field);
    std::vector<std::string> parts;
    if (const std::string& text = comments_.Of(field->full_name());
        !text.empty()) {
      parts.push_back(text);
    }
    if (rule.server_only()) {
      parts.push_back(direction == Direction::kResponse
                          ? "Written for server and admin callers only."
                          : "Server and admin callers only: a client caller "
                            "sending it gets SCHEMA_ERROR.");
    }
    if (direction == Direction::kResponse && rule.omit_if_unset()) {
      parts.push_back("Left out when unset.");
    }
    if (direction == Direction::kRequest && rule.max_length() > 0 &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      parts.push_back(absl::StrCat("At most ", rule.max_length(), " bytes."));
    }
    return absl::StrJoin(parts, "\n\n");
  }

  const SourceComments& comments_;
  json schemas_ = json::object();
};

// components.schemas for the error bodies: one per code, with its status,
// fixed message and typed details; and the common shape.
void AddErrorSchemas(json& schemas) {
  const EnumDescriptor* codes = identity::v1::ErrorCode_descriptor();
  json names = json::array();
  for (int i = 0; i < codes->value_count(); ++i) {
    if (codes->value(i)->number() == 0) continue;
    names.push_back(codes->value(i)->name());
  }
  schemas["StackError"] = {
      {"type", "object"},
      {"description",
       "Every error: the code (also sent as the x-stack-known-error header, "
       "except for codes that are Latchkey's own), the code's typed details "
       "when it has any, and a human-readable message."},
      {"properties",
       {{"code", {{"type", "string"}, {"enum", names}}},
        {"details", {{"type", "object"}}},
        {"error", {{"type", "string"}}}}},
      {"required", json::array({"code", "error"})},
  };
  for (int i = 0; i < codes->value_count(); ++i) {
    const auto* value = codes->value(i);
    if (value->number() == 0) continue;
    const identity::v1::ErrorSpec& spec =
        value->options().GetExtension(identity::v1::error);
    std::string description = absl::StrCat("HTTP ", spec.http_status(), ".");
    if (!spec.message().empty()) {
      absl::StrAppend(&description, " ", spec.message());
    }
    if (spec.latchkey_extension()) {
      absl::StrAppend(&description,
                      " A Latchkey code, not one of Stack Auth's: no "
                      "x-stack-known-error header.");
    }
    json properties = {{"code", {{"const", value->name()}}},
                       {"error", {{"type", "string"}}}};
    json required = json::array({"code", "error"});
    if (spec.details_size() > 0) {
      json details = json::object();
      json details_required = json::array();
      for (const auto& detail : spec.details()) {
        json schema;
        switch (detail.type()) {
          case identity::v1::DETAIL_TYPE_INTEGER:
            schema = {{"type", "integer"}};
            break;
          case identity::v1::DETAIL_TYPE_BOOLEAN:
            schema = {{"type", "boolean"}};
            break;
          case identity::v1::DETAIL_TYPE_JSON:
            schema = json::object();
            break;
          default:
            schema = {{"type", "string"}};
        }
        if (detail.nullable()) {
          schema = Nullable(std::move(schema));
          // A nullable detail is written as null when missing.
          details_required.push_back(detail.name());
        }
        details[detail.name()] = std::move(schema);
      }
      json details_schema = {{"type", "object"}, {"properties", details}};
      if (!details_required.empty()) {
        details_schema["required"] = std::move(details_required);
      }
      properties["details"] = std::move(details_schema);
      required.push_back("details");
    }
    schemas[absl::StrCat(kErrorPrefix, value->name())] = {
        {"type", "object"},
        {"description", description},
        {"properties", std::move(properties)},
        {"required", std::move(required)},
    };
  }
}

// The codes an operation can answer: the gateway's own (limits, schema,
// body parsing), the authentication stage's for the access rule
// (service/pipeline/request_authenticator), and the ones the RPC's comment
// names.
std::vector<ErrorCode> ErrorsFor(const service::CatalogMethod& method,
                                 const Route& route,
                                 const SourceComments& comments) {
  using namespace identity::v1;  // NOLINT: the code names read better bare
  std::vector<ErrorCode> codes = {SCHEMA_ERROR};
  if (!route.body.empty()) {
    AddUnique(codes, BODY_PARSING_ERROR);
    AddUnique(codes, UNSUPPORTED_MEDIA_TYPE);
  }
  const AccessRule& access = method.access;
  if (!access.public_()) {
    for (ErrorCode code :
         {ACCESS_TYPE_REQUIRED, PROJECT_KEY_WITHOUT_ACCESS_TYPE,
          INVALID_ACCESS_TYPE, ACCESS_TYPE_WITHOUT_PROJECT_ID,
          UNPARSABLE_ACCESS_TOKEN, ACCESS_TOKEN_EXPIRED,
          INVALID_PROJECT_FOR_ACCESS_TOKEN}) {
      AddUnique(codes, code);
    }
    if (!access.always_allow_anonymous_user()) {
      AddUnique(codes, ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);
      AddUnique(codes, RESTRICTED_USER_NOT_ALLOWED);
    }
    // The key of whichever access type the caller names is checked before
    // the rule's list is, so every key error is possible.
    for (ErrorCode code :
         {CURRENT_PROJECT_NOT_FOUND, INVALID_PUBLISHABLE_CLIENT_KEY,
          PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT,
          SERVER_AUTHENTICATION_REQUIRED, INVALID_SECRET_SERVER_KEY,
          ADMIN_AUTHENTICATION_REQUIRED, INVALID_SUPER_SECRET_ADMIN_KEY,
          UNPARSABLE_ADMIN_ACCESS_TOKEN, ADMIN_ACCESS_TOKEN_EXPIRED,
          ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN, BRANCH_DOES_NOT_EXIST}) {
      AddUnique(codes, code);
    }
    if (access.allow_size() < 3) AddUnique(codes, INSUFFICIENT_ACCESS_TYPE);
    if (access.user() != USER_REQUIREMENT_OPTIONAL) {
      // A missing user is a SCHEMA_ERROR where the rule says so.
      AddUnique(codes, access.user_in_schema() ? SCHEMA_ERROR
                                               : USER_AUTHENTICATION_REQUIRED);
    }
  }
  for (ErrorCode code :
       ErrorsNamedIn(comments.Of(method.descriptor->full_name()), nullptr)) {
    AddUnique(codes, code);
  }
  for (ErrorCode code :
       {PAYLOAD_TOO_LARGE, URI_TOO_LONG, REQUEST_HEADER_FIELDS_TOO_LARGE,
        REQUEST_TIMEOUT, INTERNAL_ERROR, SERVICE_UNAVAILABLE,
        DEADLINE_EXCEEDED}) {
    AddUnique(codes, code);
  }
  return codes;
}

std::string AccessText(const AccessRule& access) {
  if (access.public_()) {
    return "Public: no access type or keys; the request itself names the "
           "project.";
  }
  std::vector<std::string> types;
  for (int type : access.allow()) types.emplace_back(AccessTypeName(type));
  std::string text = absl::StrCat("Access types: ", absl::StrJoin(types, ", "),
                                  " (x-stack-access-type).");
  switch (access.user()) {
    case identity::v1::USER_REQUIREMENT_REQUIRED:
      absl::StrAppend(&text, " A signed-in user's access token is required.");
      break;
    case identity::v1::USER_REQUIREMENT_REQUIRED_FOR_CLIENT:
      absl::StrAppend(&text,
                      " Client callers must send a signed-in user's access "
                      "token.");
      break;
    default:
      break;
  }
  if (access.always_allow_anonymous_user()) {
    absl::StrAppend(&text, " Anonymous users' tokens are accepted.");
  }
  return text;
}

json HeaderParameters(const AccessRule& access, absl::string_view comment) {
  json parameters = json::array();
  if (!access.public_()) {
    parameters.push_back(HeaderRef("ProjectId"));
    json types = json::array();
    for (int type : access.allow()) types.push_back(AccessTypeName(type));
    parameters.push_back(
        {{"name", "x-stack-access-type"},
         {"in", "header"},
         {"required", true},
         {"description",
          "Who is calling; it decides which key or token must come with "
          "the call."},
         {"schema", {{"type", "string"}, {"enum", std::move(types)}}}});
    if (Allows(access, identity::v1::ACCESS_TYPE_CLIENT)) {
      parameters.push_back(HeaderRef("PublishableClientKey"));
    }
    if (Allows(access, identity::v1::ACCESS_TYPE_SERVER)) {
      parameters.push_back(HeaderRef("SecretServerKey"));
    }
    if (Allows(access, identity::v1::ACCESS_TYPE_ADMIN)) {
      parameters.push_back(HeaderRef("SuperSecretAdminKey"));
      parameters.push_back(HeaderRef("AdminAccessToken"));
    }
    parameters.push_back(HeaderRef("AccessToken"));
    if (!access.always_allow_anonymous_user()) {
      parameters.push_back(HeaderRef("AllowAnonymousUser"));
      parameters.push_back(HeaderRef("AllowRestrictedUser"));
    }
    parameters.push_back(HeaderRef("BranchId"));
  }
  // A header a method reads itself, which its comment names.
  if (absl::StrContains(comment, "x-stack-refresh-token")) {
    parameters.push_back(HeaderRef("RefreshToken"));
  }
  parameters.push_back(HeaderRef("OverrideErrorStatus"));
  return parameters;
}

// Path variables: "{name}" or "{name=pattern}"; name may be a.b.
std::vector<std::string> PathVariables(absl::string_view path_template) {
  std::vector<std::string> names;
  size_t at = 0;
  while ((at = path_template.find('{', at)) != absl::string_view::npos) {
    const size_t close = path_template.find('}', at);
    if (close == absl::string_view::npos) break;
    absl::string_view inside = path_template.substr(at + 1, close - at - 1);
    names.emplace_back(inside.substr(0, inside.find('=')));
    at = close + 1;
  }
  return names;
}

const FieldDescriptor* FieldAt(const Descriptor* type,
                               absl::string_view dotted) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    if (type == nullptr) return nullptr;
    field = type->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    type = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
               ? field->message_type()
               : nullptr;
  }
  return field;
}

// Query parameters of a route without a body: every field not bound by the
// path, nested messages as dotted names (the binder's "a.b=value").
void AddQueryParameters(Schemas& schemas, const SourceComments& comments,
                        const Descriptor* type, const std::string& prefix,
                        const std::set<std::string>& skip, int depth,
                        json& parameters) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (IsUpdateMask(field) || skip.count(field->name())) continue;
    const std::string name = absl::StrCat(prefix, field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated() && !IsJsonValueType(field->message_type()) &&
          depth < 4) {
        AddQueryParameters(schemas, comments, field->message_type(),
                           absl::StrCat(name, "."), {}, depth + 1, parameters);
      }
      continue;  // lists of messages and free-form JSON have no text form
    }
    json schema = schemas.Element(field, Direction::kRequest);
    if (field->is_repeated()) {
      schema = {{"type", "array"}, {"items", std::move(schema)}};
    } else {
      schemas.AddBounds(field, schema);
    }
    json parameter = {{"name", name}, {"in", "query"}};
    if (RuleOf(field).required()) parameter["required"] = true;
    if (const std::string& text = comments.Of(field->full_name());
        !text.empty()) {
      parameter["description"] = text;
    }
    parameter["schema"] = std::move(schema);
    parameters.push_back(std::move(parameter));
  }
}

json ErrorResponses(const std::vector<ErrorCode>& codes) {
  std::map<int, std::vector<ErrorCode>> by_status;
  for (ErrorCode code : codes) {
    const int status = SpecOf(code).http_status();
    by_status[status > 0 ? status : 500].push_back(code);
  }
  json responses = json::object();
  for (const auto& [status, group] : by_status) {
    std::vector<std::string> names;
    json one_of = json::array();
    for (ErrorCode code : group) {
      names.push_back(identity::v1::ErrorCode_Name(code));
      one_of.push_back(
          {{"$ref", SchemaRef(absl::StrCat(
                        kErrorPrefix, identity::v1::ErrorCode_Name(code)))}});
    }
    responses[std::to_string(status)] = {
        {"description", absl::StrJoin(names, ", ")},
        {"headers",
         {{"x-stack-known-error",
           {{"$ref", "#/components/headers/KnownError"}}},
          {"x-stack-request-id",
           {{"$ref", "#/components/headers/RequestId"}}}}},
        {"content",
         {{"application/json", {{"schema", {{"oneOf", std::move(one_of)}}}}}}},
    };
  }
  return responses;
}

json Operation(Schemas& schemas, const SourceComments& comments,
               const service::CatalogMethod& method, const Route& route,
               size_t binding) {
  const auto* descriptor = method.descriptor;
  const std::string& comment = comments.Of(descriptor->full_name());
  json operation = json::object();
  operation["operationId"] =
      absl::StrCat(descriptor->service()->name(), "_", descriptor->name(),
                   binding == 0 ? "" : absl::StrCat("_", binding + 1));
  operation["tags"] = json::array({descriptor->service()->name()});
  if (!comment.empty()) operation["summary"] = Summary(comment);
  operation["description"] =
      absl::StrCat(comment, comment.empty() ? "" : "\n\n",
                   AccessText(method.access), "\n\ngRPC: ", method.grpc_path);

  const Descriptor* request = descriptor->input_type();
  json parameters = json::array();
  std::set<std::string> path_fields;
  for (const std::string& variable : PathVariables(route.path_template)) {
    path_fields.insert(variable.substr(0, variable.find('.')));
    const FieldDescriptor* field = FieldAt(request, variable);
    json parameter = {{"name", variable}, {"in", "path"}, {"required", true}};
    if (field != nullptr) {
      if (const std::string& text = comments.Of(field->full_name());
          !text.empty()) {
        parameter["description"] = text;
      }
      parameter["schema"] = schemas.Element(field, Direction::kRequest);
    } else {
      parameter["schema"] = {{"type", "string"}};
    }
    parameters.push_back(std::move(parameter));
  }
  if (route.body.empty()) {
    AddQueryParameters(schemas, comments, request, "", path_fields, 0,
                       parameters);
  }
  for (json& header : HeaderParameters(method.access, comment)) {
    parameters.push_back(std::move(header));
  }
  operation["parameters"] = std::move(parameters);

  if (!route.body.empty()) {
    json body =
        route.body == "*"
            ? schemas.Object(request, Direction::kRequest, path_fields)
            : schemas.Field(FieldAt(request, route.body), Direction::kRequest);
    json content = json::object();
    content["application/json"] = {{"schema", body}};
    if (method.access.body_encoding() == identity::v1::BODY_ENCODING_FORM) {
      content["application/x-www-form-urlencoded"] = {{"schema", body}};
    }
    operation["requestBody"] = {
        {"description", "An empty body is the same as {}."},
        {"required", false},
        {"content", std::move(content)}};
  }

  json responses = json::object();
  const int status =
      method.access.http_status() > 0 ? method.access.http_status() : 200;
  const Descriptor* response = descriptor->output_type();
  if (status >= 300 && status < 400) {
    responses[std::to_string(status)] = {
        {"description", "A redirect to the response's location; no body."},
        {"headers",
         {{"location", {{"required", true}, {"schema", {{"type", "string"}}}}},
          {"x-stack-request-id",
           {{"$ref", "#/components/headers/RequestId"}}}}}};
  } else if (method.access.raw_body()) {
    // The body is the bytes themselves (an image), typed by the server.
    json content = json::object();
    for (const char* type :
         {"image/png", "image/jpeg", "image/gif", "image/webp"}) {
      content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
    }
    responses[std::to_string(status)] = {
        {"description", "The image."},
        {"headers",
         {{"x-stack-request-id",
           {{"$ref", "#/components/headers/RequestId"}}}}},
        {"content", std::move(content)}};
  } else {
    const std::string& text = comments.Of(response->full_name());
    responses[std::to_string(status)] = {
        {"description",
         text.empty() ? ShortName(response->full_name()) : Summary(text)},
        {"headers",
         {{"x-stack-request-id",
           {{"$ref", "#/components/headers/RequestId"}}}}},
        {"content",
         {{"application/json",
           {{"schema", schemas.Message(response, Direction::kResponse)}}}}}};
  }
  json errors = ErrorResponses(ErrorsFor(method, route, comments));
  for (auto& [code, answer] : errors.items()) responses[code] = answer;
  operation["responses"] = std::move(responses);
  if (!method.access.public_()) {
    // The user's token may also come as authorization: Bearer.
    operation["security"] =
        json::array({json::object(), {{"bearer", json::array()}}});
  }
  return operation;
}

json PlainOperation(absl::string_view id, absl::string_view summary,
                    absl::string_view media_type, json statuses) {
  json schema = {
      {"type", media_type == "application/json" ? "object" : "string"}};
  json responses = json::object();
  for (auto& [status, description] : statuses.items()) {
    json content = json::object();
    content[std::string(media_type)] = {{"schema", schema}};
    responses[status] = {{"description", description},
                         {"content", std::move(content)}};
  }
  return {{"operationId", id},
          {"tags", json::array({"Server"})},
          {"summary", summary},
          {"responses", std::move(responses)}};
}

constexpr char kAbout[] =
    "Latchkey's REST API, compatible with Stack Auth's. Generated from the "
    "contract (proto/identity/v1) at build time; the same methods are "
    "served over gRPC.\n\n"
    "Requests name their project and caller in headers: x-stack-project-id, "
    "x-stack-access-type (client, server or admin) and the key that access "
    "type needs; a signed-in user's access token goes in "
    "x-stack-access-token or authorization: Bearer. Headers spelled "
    "x-hexclave-* are read as the same x-stack-* header.\n\n"
    "Bodies are JSON with snake_case keys; unknown keys are refused with "
    "SCHEMA_ERROR. In responses an unset optional field is null. A PATCH "
    "changes only the keys its body names.\n\n"
    "Errors are {\"code\", \"details\", \"error\"} (the StackError.* "
    "schemas), with the code also in the x-stack-known-error header.";

}  // namespace

std::vector<ErrorCode> ErrorsNamedIn(absl::string_view comment,
                                     std::vector<std::string>* unknown) {
  std::vector<ErrorCode> codes;
  const size_t at = comment.find("Errors:");
  if (at == absl::string_view::npos) return codes;
  absl::string_view rest = comment.substr(at + 7);
  const EnumDescriptor* catalogue = identity::v1::ErrorCode_descriptor();
  auto is_word = [](char c) {
    return absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_' ||
           c == '*';
  };
  size_t i = 0;
  while (i < rest.size()) {
    if (!is_word(rest[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < rest.size() && is_word(rest[end])) ++end;
    absl::string_view word = rest.substr(i, end - i);
    i = end;
    if (!absl::ascii_isupper(word[0]) || !absl::StrContains(word, '_')) {
      continue;
    }
    bool found = false;
    if (absl::EndsWith(word, "_*")) {
      absl::string_view prefix = word.substr(0, word.size() - 1);
      for (int v = 0; v < catalogue->value_count(); ++v) {
        const auto* value = catalogue->value(v);
        if (value->number() != 0 && absl::StartsWith(value->name(), prefix)) {
          AddUnique(codes, static_cast<ErrorCode>(value->number()));
          found = true;
        }
      }
    } else if (const auto* value =
                   catalogue->FindValueByName(std::string(word));
               value != nullptr && value->number() != 0) {
      AddUnique(codes, static_cast<ErrorCode>(value->number()));
      found = true;
    }
    if (!found && unknown != nullptr) unknown->emplace_back(word);
  }
  return codes;
}

std::string OpenApiPath(absl::string_view path_template) {
  std::string out;
  size_t at = 0;
  while (at < path_template.size()) {
    const size_t open = path_template.find('{', at);
    if (open == absl::string_view::npos) break;
    const size_t close = path_template.find('}', open);
    if (close == absl::string_view::npos) break;
    absl::string_view inside = path_template.substr(open + 1, close - open - 1);
    absl::StrAppend(&out, path_template.substr(at, open - at), "{",
                    inside.substr(0, inside.find('=')), "}");
    at = close + 1;
  }
  absl::StrAppend(&out, path_template.substr(at));
  return out;
}

json BuildOpenApi(const service::MethodCatalog& catalog,
                  const SourceComments& comments) {
  Schemas schemas(comments);
  std::map<std::string, json> paths;
  for (const service::CatalogMethod& method : catalog.methods()) {
    const auto& rule =
        method.descriptor->options().GetExtension(google::api::http);
    const std::vector<Route> routes = RoutesOf(rule);
    for (size_t i = 0; i < routes.size(); ++i) {
      json& item = paths[OpenApiPath(routes[i].path_template)];
      if (item.is_null()) item = json::object();
      item[routes[i].http_method] =
          Operation(schemas, comments, method, routes[i], i);
    }
  }
  // The gateway's own routes, outside the contract.
  // Replaces the contract's DescribeCaller entry: the answer is text.
  paths["/api/v1"]["get"] = PlainOperation(
      "Server_About",
      "A short text about the API. With project headers the request is "
      "authenticated like any other and the text names the access type, "
      "project and user seen.",
      "text/plain", {{"200", "The text."}});
  paths[std::string(kOpenApiRoute)]["get"] =
      PlainOperation("Server_OpenApi", "This document.", "application/json",
                     {{"200", "The OpenAPI document."}});
  paths["/healthz"]["get"] =
      PlainOperation("Server_Healthz", "Liveness: 200 while the process runs.",
                     "text/plain", {{"200", "ok"}});
  paths["/readyz"]["get"] = PlainOperation(
      "Server_Readyz", "Readiness: 200 once the server accepts calls.",
      "text/plain", {{"200", "ready"}, {"503", "not ready"}});

  json tags = json::array();
  for (const auto* service : catalog.services()) {
    json tag = {{"name", service->name()}};
    if (const std::string& text = comments.Of(service->full_name());
        !text.empty()) {
      tag["description"] = text;
    }
    tags.push_back(std::move(tag));
  }
  tags.push_back(
      {{"name", "Server"}, {"description", "The gateway's own routes."}});

  json parameters = json::object();
  for (const HeaderParameter& header : kHeaders) {
    parameters[header.component] = HeaderParameterSchema(header);
  }
  AddErrorSchemas(schemas.components());
  std::map<std::string, json> sorted_schemas;
  for (auto& [name, schema] : schemas.components().items()) {
    sorted_schemas[name] = schema;
  }

  json document = json::object();
  document["openapi"] = "3.1.0";
  document["info"] = {{"title", "Latchkey REST API"},
                      {"version", "v1"},
                      {"description", kAbout}};
  document["tags"] = std::move(tags);
  json path_object = json::object();
  for (auto& [path, item] : paths) path_object[path] = std::move(item);
  document["paths"] = std::move(path_object);
  json schema_object = json::object();
  for (auto& [name, schema] : sorted_schemas) {
    schema_object[name] = std::move(schema);
  }
  document["components"] = {
      {"schemas", std::move(schema_object)},
      {"parameters", std::move(parameters)},
      {"headers",
       {{"RequestId",
         {{"description", "The request's id, also in the server's log."},
          {"schema", {{"type", "string"}}}}},
        {"KnownError",
         {{"description",
           "The error code, for Stack Auth's codes (not for Latchkey's "
           "own)."},
          {"schema", {{"type", "string"}}}}}}},
      {"securitySchemes",
       {{"bearer",
         {{"type", "http"},
          {"scheme", "bearer"},
          {"bearerFormat", "JWT"},
          {"description",
           "A signed-in user's access token; the same as "
           "x-stack-access-token."}}}}}};
  return document;
}

}  // namespace latchkey::openapi
