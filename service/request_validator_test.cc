#include "service/request_validator.h"

#include <string>

#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/user.pb.h"
#include "service/api_error.h"

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

TEST(ValidateRequest, IntegerBoundsAreChecked) {
  identity::v1::ListUsersRequest request;
  request.set_limit(0);
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: limit must be at least 1.");
  request.set_limit(201);
  EXPECT_EQ(SchemaMessage(ValidateRequest(request, kServer)),
            "Request validation failed: limit must be at most 200.");
  request.set_limit(200);
  EXPECT_TRUE(ValidateRequest(request, kServer).ok());
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

}  // namespace
}  // namespace latchkey::service
