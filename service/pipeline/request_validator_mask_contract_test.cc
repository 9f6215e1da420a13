// Generated from the contract: every RPC whose request holds a FieldMask,
// every server_only field that mask could name, every access type. A new
// server_only field or a new masked update is covered with no new test.
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "identity/v1/options.pb.h"
#include "service/errors/api_error.h"
#include "service/pipeline/method_catalog.h"
#include "service/pipeline/request_validator.h"

namespace latchkey::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

const identity::v1::FieldRule& RuleOf(const FieldDescriptor* field) {
  return field->options().GetExtension(identity::v1::field);
}

bool IsWellKnown(const Descriptor* type) {
  return type->file()->package() == "google.protobuf";
}

// One probe: `method`'s request with the FieldMask reached through
// `holder_route` (fields from the request down to the mask's message, then
// the mask field) naming `path`.
struct Probe {
  const google::protobuf::MethodDescriptor* method;
  std::vector<const FieldDescriptor*> holder_route;
  const FieldDescriptor* mask_field;
  std::string path;
  // What the validator names: the route's path (repeated fields as [0]),
  // then the mask path.
  std::string reported;
};

// The dotted paths of every server_only field under `type`, not descending
// into a server_only field (its own path is what a client is refused).
void ServerOnlyPaths(const Descriptor* type, const std::string& prefix,
                     std::set<const Descriptor*>& stack,
                     std::vector<std::string>& out) {
  if (IsWellKnown(type) || !stack.insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string path = prefix.empty()
                                 ? field->name()
                                 : absl::StrCat(prefix, ".", field->name());
    if (RuleOf(field).server_only()) {
      out.push_back(path);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               !field->is_map()) {
      ServerOnlyPaths(field->message_type(), path, stack, out);
    }
  }
  stack.erase(type);
}

// Every message under the request that holds a FieldMask field, each with
// the probes of its server_only paths.
void FindMasks(const google::protobuf::MethodDescriptor* method,
               const Descriptor* type,
               std::vector<const FieldDescriptor*>& route,
               const std::string& reported_prefix,
               std::set<const Descriptor*>& stack, std::vector<Probe>& out) {
  if (IsWellKnown(type) || !stack.insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_map()) {
      continue;
    }
    if (field->message_type()->full_name() == "google.protobuf.FieldMask") {
      std::vector<std::string> paths;
      std::set<const Descriptor*> path_stack;
      ServerOnlyPaths(type, "", path_stack, paths);
      for (const std::string& path : paths) {
        out.push_back(Probe{method, route, field, path,
                            reported_prefix.empty()
                                ? path
                                : absl::StrCat(reported_prefix, ".", path)});
      }
      continue;
    }
    // A client could not set a server_only message's mask anyway.
    if (RuleOf(field).server_only()) continue;
    route.push_back(field);
    std::string element = field->name();
    if (field->is_repeated()) element += "[0]";
    FindMasks(method, field->message_type(), route,
              reported_prefix.empty()
                  ? element
                  : absl::StrCat(reported_prefix, ".", element),
              stack, out);
    route.pop_back();
  }
  stack.erase(type);
}

// Sets what the contract requires of `message`, so that only the mask can
// make the validator refuse it.
void FillRequired(Message& message, int depth = 0) {
  ASSERT_LT(depth, 16) << message.GetDescriptor()->full_name();
  const Descriptor* type = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const identity::v1::FieldRule& rule = RuleOf(field);
    if (!rule.required()) continue;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->is_repeated()) {
          reflection->AddString(&message, field, "x");
        } else {
          reflection->SetString(&message, field, "x");
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        FillRequired(field->is_repeated()
                         ? *reflection->AddMessage(&message, field)
                         : *reflection->MutableMessage(&message, field),
                     depth + 1);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32: {
        const int64_t value = rule.has_min() ? rule.min() : 1;
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
          reflection->SetInt64(&message, field, value);
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
          reflection->SetInt32(&message, field, static_cast<int32_t>(value));
        } else {
          reflection->SetUInt32(&message, field, static_cast<uint32_t>(value));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection->SetBool(&message, field, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        if (field->enum_type()->value_count() > 1) {
          reflection->SetEnumValue(&message, field,
                                   field->enum_type()->value(1)->number());
        }
        break;
      default:
        FAIL() << "no filler for required " << field->full_name();
    }
  }
}

// The request of `probe`, required fields set, the mask naming the path
// and nothing else set.
std::unique_ptr<Message> Build(const CatalogMethod& method,
                               const Probe& probe) {
  std::unique_ptr<Message> request(method.request_prototype->New());
  FillRequired(*request);
  Message* holder = request.get();
  for (const FieldDescriptor* field : probe.holder_route) {
    const Reflection* reflection = holder->GetReflection();
    holder = field->is_repeated() && reflection->FieldSize(*holder, field) > 0
                 ? reflection->MutableRepeatedMessage(holder, field, 0)
             : field->is_repeated() ? reflection->AddMessage(holder, field)
                                    : reflection->MutableMessage(holder, field);
  }
  Message* mask =
      holder->GetReflection()->MutableMessage(holder, probe.mask_field);
  mask->GetReflection()->AddString(
      mask, mask->GetDescriptor()->FindFieldByName("paths"), probe.path);
  return request;
}

std::vector<std::pair<const CatalogMethod*, Probe>> AllProbes(
    const MethodCatalog& catalog) {
  std::vector<std::pair<const CatalogMethod*, Probe>> probes;
  for (const CatalogMethod& method : catalog.methods()) {
    std::vector<Probe> found;
    std::vector<const FieldDescriptor*> route;
    std::set<const Descriptor*> stack;
    FindMasks(method.descriptor, method.descriptor->input_type(), route, "",
              stack, found);
    for (Probe& probe : found) probes.emplace_back(&method, std::move(probe));
  }
  return probes;
}

TEST(MaskContract, ServerOnlyFieldsNamedByAMaskAreRefusedForClientsOnly) {
  auto catalog = MethodCatalog::Create(MethodCatalog::IdentityServices());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const auto probes = AllProbes(**catalog);

  // The generator must see the cases this rule was written for; an empty
  // walk would pass vacuously.
  std::set<std::string> seen;
  for (const auto& [method, probe] : probes) {
    seen.insert(absl::StrCat(probe.method->full_name(), " ", probe.path));
  }
  for (const char* expected :
       {"identity.v1.AuthService.UpdateCurrentUser server_metadata",
        "identity.v1.AuthService.UpdateCurrentUser client_read_only_metadata",
        "identity.v1.AuthService.UpdateCurrentUser primary_email_verified",
        "identity.v1.AuthService.UpdateCurrentUser password",
        "identity.v1.AuthService.UpdateCurrentUser primary_email_auth_enabled",
        "identity.v1.TeamPermissionService.UpdateTeam server_metadata",
        "identity.v1.TeamPermissionService.UpdateTeam "
        "client_read_only_metadata"}) {
    EXPECT_EQ(seen.count(expected), 1u) << "not generated: " << expected;
  }

  for (const auto& [method, probe] : probes) {
    SCOPED_TRACE(absl::StrCat(probe.method->full_name(), " update mask \"",
                              probe.path, "\""));
    std::unique_ptr<Message> request = Build(*method, probe);
    // Nothing but the mask is at stake: the same request without it passes.
    {
      std::unique_ptr<Message> unmasked(request->New());
      FillRequired(*unmasked);
      ASSERT_TRUE(
          ValidateRequest(*unmasked, identity::v1::ACCESS_TYPE_CLIENT).ok());
    }
    const absl::Status client =
        ValidateRequest(*request, identity::v1::ACCESS_TYPE_CLIENT);
    const std::optional<ApiErrorView> error = ReadApiError(client);
    if (!error.has_value()) {
      ADD_FAILURE() << "client not refused: " << client;
      continue;  // Report every probe the validator lets through.
    }
    EXPECT_EQ(error->code, identity::v1::SCHEMA_ERROR);
    EXPECT_EQ(error->details.at("message"),
              absl::StrCat("Request validation failed: ", probe.reported,
                           " cannot be set with client access."));
    for (auto trusted :
         {identity::v1::ACCESS_TYPE_SERVER, identity::v1::ACCESS_TYPE_ADMIN}) {
      const absl::Status status = ValidateRequest(*request, trusted);
      EXPECT_TRUE(status.ok())
          << identity::v1::AccessType_Name(trusted) << ": " << status;
    }
  }
}

}  // namespace
}  // namespace latchkey::service
