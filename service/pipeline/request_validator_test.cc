#include "service/pipeline/request_validator.h"

#include <string>

#include "envoy/service/auth/v3/external_auth.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/user.pb.h"
#include "service/errors/api_error.h"

namespace latchkey::service {
namespace {

std::string SchemaMessage(const absl::Status& status) {
  auto error = ReadApiError(status);
  if (!error.has_value() || error->code != identity::v1::SCHEMA_ERROR) {
    return "<not a SCHEMA_ERROR: " + std::string(status.ToString()) + ">";
  }
  return error->details["message"];
}

constexpr auto kClient = identity::v1::ACCESS_TYPE_CLIENT;
constexpr auto kServer = identity::v1::ACCESS_TYPE_SERVER;
constexpr auto kAdmin = identity::v1::ACCESS_TYPE_ADMIN;

TEST(ValidateRequest, AcceptsAWellFormedRequest) {
  identity::v1::PasswordSignUpRequest request;
  request.set_email("a@example.com");
  request.set_password("long enough password");
  EXPECT_TRUE(ValidateRequest(request, kClient).ok());
}

TEST(ValidateRequest, MissingRequiredStringIsNamed) {
  identity::v1::PasswordSignUpRequest request;
  request.set_password("long enough password");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: email must be defined and not empty.");
}

// A required field with presence must be sent, and may be empty: the
// method answers for an empty value (an empty password is too short).
TEST(ValidateRequest, RequiredOptionalStringMustBeSentAndMayBeEmpty) {
  identity::v1::PasswordSignUpRequest request;
  request.set_email("a@example.com");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: password must be defined.");
  request.set_password("");
  EXPECT_TRUE(ValidateRequest(request, kClient).ok());
}

TEST(ValidateRequest, OverlongStringIsRefused) {
  identity::v1::PasswordSignUpRequest request;
  request.set_email(std::string(255, 'a'));
  request.set_password("long enough password");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: email must be at most 254 bytes long.");
}

TEST(ValidateRequest, DefaultLimitAppliesWithoutARule) {
  identity::v1::OAuthCallbackRequest request;
  request.set_provider_id("github");
  request.set_code(std::string(3000, 'c'));
  EXPECT_NE(SchemaMessage(ValidateRequest(request, kClient)).find("code"),
            std::string::npos);
}

TEST(ValidateRequest, ServerOnlyFieldsAreRefusedForClients) {
  identity::v1::UpdateCurrentUserRequest request;
  request.set_display_name("Ann");
  request.mutable_server_metadata()->set_string_value("x");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: server_metadata cannot be set with "
            "client access.");
  EXPECT_TRUE(ValidateRequest(request, kServer).ok());
}

// A mask path clears the field it names when no value is set, so naming a
// server_only field is writing it: refused for clients like setting it.
TEST(ValidateRequest, MaskNamingServerOnlyFieldIsRefusedForClients) {
  identity::v1::UpdateCurrentUserRequest request;
  request.mutable_update_mask()->add_paths("display_name");
  request.mutable_update_mask()->add_paths("server_metadata");
  const std::string expected =
      "Request validation failed: server_metadata cannot be set with client "
      "access.";
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)), expected);
  EXPECT_TRUE(ValidateRequest(request, kServer).ok());
  EXPECT_TRUE(ValidateRequest(request, kAdmin).ok());
  // Exactly what the client gets for setting the field.
  identity::v1::UpdateCurrentUserRequest set;
  set.mutable_server_metadata()->set_string_value("x");
  EXPECT_EQ(SchemaMessage(ValidateRequest(set, kClient)), expected);
}

TEST(ValidateRequest, EveryServerOnlyFieldOfTheMaskIsRefused) {
  for (const char* name :
       {"client_read_only_metadata", "primary_email_verified",
        "primary_email_auth_enabled", "password"}) {
    identity::v1::UpdateCurrentUserRequest request;
    request.mutable_update_mask()->add_paths(name);
    EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
              std::string("Request validation failed: ") + name +
                  " cannot be set with client access.");
  }
  identity::v1::UpdateTeamRequest team;
  team.set_team_id("t");
  team.mutable_update_mask()->add_paths("server_metadata");
  EXPECT_EQ(SchemaMessage(ValidateRequest(team, kClient)),
            "Request validation failed: server_metadata cannot be set with "
            "client access.");
  EXPECT_TRUE(ValidateRequest(team, kServer).ok());
}

TEST(ValidateRequest, MaskPathIntoServerOnlyFieldIsRefused) {
  identity::v1::UpdateCurrentUserRequest request;
  request.mutable_update_mask()->add_paths("server_metadata.struct_value");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: server_metadata cannot be set with "
            "client access.");
}

TEST(ValidateRequest, MaskNamingClientFieldsOrUnknownPathsIsLeftToTheMethod) {
  identity::v1::UpdateCurrentUserRequest request;
  for (const char* path :
       {"display_name", "client_metadata", "client_metadata.struct_value",
        "no_such_field", "display_name.length", "serverMetadata", ""}) {
    request.mutable_update_mask()->add_paths(path);
  }
  EXPECT_TRUE(ValidateRequest(request, kClient).ok());
}

// A mask held by a sub-message, with a path through a client-writable
// message into a server_only field: resolved against the mask's holder and
// named by its full path. No RPC of the contract has this shape yet.
TEST(ValidateRequest, NestedMaskPathsResolveAgainstTheMasksHolder) {
  google::protobuf::DescriptorPool pool(
      google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::FileDescriptorProto file;
  file.set_name("latchkey_test/nested_mask.proto");
  file.set_package("latchkey_test");
  file.set_syntax("proto3");
  file.add_dependency("google/protobuf/field_mask.proto");
  file.add_dependency("identity/v1/options.proto");
  auto add_field = [](google::protobuf::DescriptorProto* message,
                      const std::string& name, int number,
                      google::protobuf::FieldDescriptorProto::Type type,
                      const std::string& type_name = "") {
    google::protobuf::FieldDescriptorProto* field = message->add_field();
    field->set_name(name);
    field->set_number(number);
    field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    field->set_type(type);
    if (!type_name.empty()) field->set_type_name(type_name);
    return field;
  };
  using Type = google::protobuf::FieldDescriptorProto;
  google::protobuf::DescriptorProto* profile = file.add_message_type();
  profile->set_name("Profile");
  add_field(profile, "nickname", 1, Type::TYPE_STRING);
  add_field(profile, "secret", 2, Type::TYPE_STRING)
      ->mutable_options()
      ->MutableExtension(identity::v1::field)
      ->set_server_only(true);
  google::protobuf::DescriptorProto* payload = file.add_message_type();
  payload->set_name("Payload");
  add_field(payload, "profile", 1, Type::TYPE_MESSAGE,
            ".latchkey_test.Profile");
  add_field(payload, "update_mask", 2, Type::TYPE_MESSAGE,
            ".google.protobuf.FieldMask");
  google::protobuf::DescriptorProto* outer = file.add_message_type();
  outer->set_name("Request");
  add_field(outer, "payload", 1, Type::TYPE_MESSAGE, ".latchkey_test.Payload");
  ASSERT_NE(pool.BuildFile(file), nullptr);
  const google::protobuf::Descriptor* type =
      pool.FindMessageTypeByName("latchkey_test.Request");
  ASSERT_NE(type, nullptr);

  google::protobuf::DynamicMessageFactory factory(&pool);
  auto with_path = [&](const std::string& path) {
    std::unique_ptr<google::protobuf::Message> request(
        factory.GetPrototype(type)->New());
    const auto* payload_field = type->FindFieldByName("payload");
    google::protobuf::Message* held = request->GetReflection()->MutableMessage(
        request.get(), payload_field, &factory);
    const auto* mask_field =
        held->GetDescriptor()->FindFieldByName("update_mask");
    google::protobuf::Message* mask =
        held->GetReflection()->MutableMessage(held, mask_field, &factory);
    mask->GetReflection()->AddString(
        mask, mask->GetDescriptor()->FindFieldByName("paths"), path);
    return request;
  };
  EXPECT_TRUE(ValidateRequest(*with_path("profile.nickname"), kClient).ok());
  const std::string expected =
      "Request validation failed: payload.profile.secret cannot be set with "
      "client access.";
  EXPECT_EQ(
      SchemaMessage(ValidateRequest(*with_path("profile.secret"), kClient)),
      expected);
  // Naming the whole message replaces its server_only field too.
  EXPECT_EQ(SchemaMessage(ValidateRequest(*with_path("profile"), kClient)),
            expected);
  EXPECT_TRUE(ValidateRequest(*with_path("profile.secret"), kServer).ok());
  EXPECT_TRUE(ValidateRequest(*with_path("profile"), kAdmin).ok());
}

TEST(ValidateRequest, IntegerBoundsAreChecked) {
  identity::v1::CreateSessionRequest request;
  request.set_user_id("u");
  request.set_expires_in_millis(999);
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: expires_in_millis must be at least "
            "1000.");
  request.set_expires_in_millis(31'708'800'001);
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: expires_in_millis must be at most "
            "31708800000.");
  request.set_expires_in_millis(31'708'800'000);
  EXPECT_TRUE(ValidateRequest(request, kServer).ok());
  identity::v1::ListUsersRequest list;
  list.set_limit(0);
  EXPECT_EQ(SchemaMessage(ValidateRequest(list, kServer)),
            "Request validation failed: limit must be at least 1.");
}

TEST(ValidateRequest, RepeatedElementsAreCountedAndNamedByIndex) {
  identity::v1::ImportUsersRequest request;
  EXPECT_NE(SchemaMessage(ValidateRequest(request, kServer)).find("users"),
            std::string::npos);
  request.add_users()->set_primary_email("a@example.com");
  request.add_users()->set_primary_email(std::string(300, 'b'));
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: users[1].primary_email must be at "
            "most 254 bytes long.");
  identity::v1::ImportUsersRequest many;
  for (int i = 0; i < 1001; ++i) many.add_users();
  EXPECT_NE(SchemaMessage(ValidateRequest(many, kServer)).find("1000"),
            std::string::npos);
}

TEST(ValidateRequest, DeeplyNestedMetadataIsRefused) {
  identity::v1::UpdateCurrentUserRequest request;
  google::protobuf::Value* value = request.mutable_client_metadata();
  for (int i = 0; i < 40; ++i) {
    value = value->mutable_list_value()->add_values();
  }
  value->set_number_value(1);
  EXPECT_NE(SchemaMessage(ValidateRequest(request, kClient))
                .find("nested too deeply"),
            std::string::npos);
}

TEST(ValidateRequest, OversizedMetadataIsRefused) {
  identity::v1::UpdateCurrentUserRequest request;
  request.mutable_client_metadata()->set_string_value(
      std::string(70 * 1024, 'x'));
  EXPECT_NE(SchemaMessage(ValidateRequest(request, kClient)).find("JSON"),
            std::string::npos);
}

TEST(ValidateRequest, RequiredMessageMustBePresent) {
  identity::v1::RegisterPasskeyRequest request;
  request.set_code("c");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kClient)),
            "Request validation failed: credential must be defined.");
}

// Values of a type with no rules (Envoy's CheckRequest, most of it) are
// not walked when the request is too small to break a default limit. The
// limits and the nesting bound still hold for such types in requests that
// could break them.
envoy::service::auth::v3::AttributeContext::HttpRequest* HttpOf(
    envoy::service::auth::v3::CheckRequest& request) {
  return request.mutable_attributes()->mutable_request()->mutable_http();
}

TEST(ValidateRequest, RuleFreeTypesStillMeetTheDefaultStringLimit) {
  envoy::service::auth::v3::CheckRequest request;
  (*HttpOf(request)->mutable_headers())["authorization"] = "Bearer token";
  HttpOf(request)->set_path("/orders");
  EXPECT_TRUE(ValidateRequest(request, kServer).ok());
  (*HttpOf(request)->mutable_headers())["cookie"] = std::string(8193, 'c');
  EXPECT_NE(SchemaMessage(ValidateRequest(request, kServer))
                .find("].value must be at most 8192 bytes long."),
            std::string::npos)
      << SchemaMessage(ValidateRequest(request, kServer));

  ValidationLimits small;
  small.default_max_string_bytes = 16;
  envoy::service::auth::v3::CheckRequest tight;
  HttpOf(tight)->set_path("/0123456789abcdef");  // 17 bytes
  EXPECT_EQ(SchemaMessage(ValidateRequest(tight, kServer, small)),
            "Request validation failed: attributes.request.http.path must be "
            "at most 16 bytes long.");
}

TEST(ValidateRequest, RuleFreeTypesStillMeetTheDefaultElementCount) {
  envoy::service::auth::v3::CheckRequest request;
  for (int i = 0; i < 1001; ++i) {
    (*HttpOf(request)->mutable_headers())["h" + std::to_string(i)] = "";
  }
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: attributes.request.http.headers must "
            "have at most 1000 elements.");

  ValidationLimits small;
  small.default_max_elements = 3;
  envoy::service::auth::v3::CheckRequest few;
  for (const char* name : {"a", "b", "c"}) {
    (*HttpOf(few)->mutable_headers())[name] = "1";
  }
  EXPECT_TRUE(ValidateRequest(few, kServer, small).ok());
  (*HttpOf(few)->mutable_headers())["d"] = "1";
  EXPECT_EQ(SchemaMessage(ValidateRequest(few, kServer, small)),
            "Request validation failed: attributes.request.http.headers must "
            "have at most 3 elements.");
}

TEST(ValidateRequest, RuleFreeTypesStillMeetTheNestingBound) {
  ValidationLimits shallow;
  shallow.max_depth = 2;
  envoy::service::auth::v3::CheckRequest request;
  HttpOf(request)->set_method("GET");
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer, shallow)),
            "Request validation failed: attributes.request.http is nested too "
            "deeply.");

  // A type that contains itself nests without bound.
  google::protobuf::DescriptorProto deep;
  google::protobuf::DescriptorProto* inner = &deep;
  for (int i = 0; i < 40; ++i) inner = inner->add_nested_type();
  inner->set_name("x");
  EXPECT_NE(SchemaMessage(ValidateRequest(deep, kServer)).find("too deeply"),
            std::string::npos);
  google::protobuf::DescriptorProto shallow_enough;
  shallow_enough.add_nested_type()->add_nested_type()->set_name("x");
  EXPECT_TRUE(ValidateRequest(shallow_enough, kServer).ok());
}

}  // namespace
}  // namespace latchkey::service
