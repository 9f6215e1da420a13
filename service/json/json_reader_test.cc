#include "service/json/json_reader.h"

#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/common.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {
namespace {

using nlohmann::json;

std::string ReadError(const json& body, google::protobuf::Message& message,
                      JsonReadOptions options = {}) {
  auto error = JsonToMessage(body, message, "body", options, nullptr);
  return error.has_value() ? error->message : "";
}

TEST(JsonToMessage, ReadsSnakeCaseFields) {
  identity::v1::PasswordSignUpRequest request;
  EXPECT_EQ(ReadError({{"email", "a@b.c"}, {"password", "pw"}}, request), "");
  EXPECT_EQ(request.email(), "a@b.c");
  EXPECT_EQ(request.password(), "pw");
}

TEST(JsonToMessage, UnknownKeysAreListed) {
  identity::v1::PasswordSignUpRequest request;
  EXPECT_EQ(ReadError({{"email", "a"}, {"zeta", 1}, {"alpha", 2}}, request),
            "body contains unknown properties: alpha, zeta");
  // protobuf's camelCase JSON names are not accepted either.
  identity::v1::PasswordSignUpRequest camel;
  EXPECT_EQ(ReadError({{"verificationCallbackUrl", "x"}}, camel),
            "body contains unknown properties: verificationCallbackUrl");
}

TEST(JsonToMessage, WrongTypesNameTheField) {
  identity::v1::PasswordSignUpRequest request;
  EXPECT_EQ(ReadError({{"email", 5}}, request), "body.email must be a string");
  identity::v1::ListUsersRequest list;
  EXPECT_EQ(ReadError({{"limit", "10"}}, list),
            "body.limit must be an integer");
  EXPECT_EQ(ReadError({{"limit", 1.5}}, list), "body.limit must be an integer");
  EXPECT_EQ(ReadError({{"limit", 5000000000}}, list),
            "body.limit is out of range");
  EXPECT_EQ(ReadError({{"desc", "yes"}}, list), "body.desc must be a boolean");
}

TEST(JsonToMessage, NullLeavesOptionalFieldsUnsetButRecordsTheKey) {
  identity::v1::UpdateCurrentUserRequest request;
  std::set<std::string> present;
  auto error = JsonToMessage(
      json{{"display_name", nullptr}, {"client_metadata", {{"a", {1, 2}}}}},
      request, "body", {}, &present);
  ASSERT_FALSE(error.has_value()) << error->message;
  EXPECT_FALSE(request.has_display_name());
  EXPECT_EQ(present,
            (std::set<std::string>{"client_metadata", "display_name"}));
  EXPECT_EQ(request.client_metadata()
                .struct_value()
                .fields()
                .at("a")
                .list_value()
                .values(1)
                .number_value(),
            2);
}

TEST(JsonToMessage, NullIsAnErrorForFieldsWithoutPresence) {
  identity::v1::PasswordSignUpRequest request;
  EXPECT_EQ(ReadError({{"email", nullptr}}, request),
            "body.email must be a string");
}

TEST(JsonToMessage, ServerOnlyFieldsAreUnknownToClients) {
  identity::v1::UpdateCurrentUserRequest request;
  JsonReadOptions client;
  client.allow_server_only = false;
  EXPECT_EQ(ReadError({{"server_metadata", 1}}, request, client),
            "body contains unknown properties: server_metadata");
  identity::v1::UpdateCurrentUserRequest server_request;
  EXPECT_EQ(ReadError({{"server_metadata", 1}}, server_request), "");
}

TEST(JsonToMessage, UpdateMaskCannotBeSent) {
  identity::v1::UpdateCurrentUserRequest request;
  EXPECT_EQ(ReadError({{"update_mask", "display_name"}}, request),
            "body contains unknown properties: update_mask");
}

TEST(JsonToMessage, NestedAndRepeatedLocations) {
  identity::v1::ImportUsersRequest request;
  EXPECT_EQ(ReadError({{"users",
                        {{{"primary_email", "a"}}, {{"primary_email", true}}}}},
                      request),
            "body.users[1].primary_email must be a string");
  identity::v1::ImportUsersRequest not_array;
  EXPECT_EQ(ReadError({{"users", {{"a", 1}}}}, not_array),
            "body.users must be an array");
}

TEST(SetFieldFromText, ConvertsQueryValues) {
  identity::v1::ListUsersRequest request;
  JsonReadOptions options;
  EXPECT_FALSE(SetFieldFromText(request, {"limit"}, "25", "query", options));
  EXPECT_FALSE(SetFieldFromText(request, {"desc"}, "true", "query", options));
  EXPECT_FALSE(SetFieldFromText(request, {"query"}, "ann", "query", options));
  EXPECT_EQ(request.limit(), 25);
  EXPECT_TRUE(request.desc());
  EXPECT_EQ(request.query(), "ann");
  EXPECT_EQ(
      SetFieldFromText(request, {"desc"}, "yes", "query", options)->message,
      "query.desc must be true or false");
  EXPECT_EQ(
      SetFieldFromText(request, {"limit"}, "ten", "query", options)->message,
      "query.limit must be an integer");
  EXPECT_EQ(SetFieldFromText(request, {"nope"}, "1", "query", options)->message,
            "query contains unknown property nope");
}

TEST(SetFieldFromText, RepeatedFieldsAppend) {
  identity::v1::UpsertOAuthProviderRequest request;
  JsonReadOptions options;
  EXPECT_FALSE(SetFieldFromText(request, {"scopes"}, "a", "query", options));
  EXPECT_FALSE(SetFieldFromText(request, {"scopes"}, "b", "query", options));
  ASSERT_EQ(request.scopes_size(), 2);
  EXPECT_EQ(request.scopes(1), "b");
}

TEST(SetFieldFromText, NestedFieldPaths) {
  identity::v1::ProjectConfig config;
  JsonReadOptions options;
  EXPECT_FALSE(SetFieldFromText(config, {"argon2", "memory_kib"}, "4096",
                                "query", options));
  EXPECT_EQ(config.argon2().memory_kib(), 4096);
  EXPECT_EQ(
      SetFieldFromText(config, {"sign_up_enabled", "x"}, "1", "query", options)
          ->message,
      "query.sign_up_enabled has no fields");
}

TEST(JsonTextToValue, ParsesStoredText) {
  auto value = JsonTextToValue(R"({"a":[1,true,null,"x"],"b":{"c":2.5}})");
  ASSERT_TRUE(value.ok());
  const auto& fields = value->struct_value().fields();
  const auto& list = fields.at("a").list_value();
  ASSERT_EQ(list.values_size(), 4);
  EXPECT_EQ(list.values(0).number_value(), 1);
  EXPECT_TRUE(list.values(1).bool_value());
  EXPECT_EQ(list.values(2).kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(list.values(3).string_value(), "x");
  EXPECT_EQ(fields.at("b").struct_value().fields().at("c").number_value(), 2.5);
  EXPECT_EQ(JsonTextToValue("null")->kind_case(),
            google::protobuf::Value::kNullValue);
  EXPECT_FALSE(JsonTextToValue("{nope").ok());
}

}  // namespace
}  // namespace latchkey::service
