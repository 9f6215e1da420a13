#include "service/json/json_writer.h"

#include <limits>

#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {
namespace {

TEST(MessageToJson, WritesEveryFieldWithNullsForUnsetOptionals) {
  identity::v1::User user;
  user.set_id("u1");
  user.set_signed_up_at_millis(1700000000123);
  auto out = MessageToJson(user, {.include_server_only = false});
  EXPECT_EQ(out["id"], "u1");
  EXPECT_TRUE(out["primary_email"].is_null());
  EXPECT_TRUE(out["selected_team"].is_null());
  EXPECT_TRUE(out["client_metadata"].is_null());
  EXPECT_EQ(out["oauth_providers"], nlohmann::ordered_json::array());
  EXPECT_EQ(out["signed_up_at_millis"], 1700000000123);
  EXPECT_EQ(out["is_anonymous"], false);
  EXPECT_FALSE(out.contains("server_metadata"));
  EXPECT_FALSE(out.contains("last_active_at_millis"));
  auto server = MessageToJson(user, {.include_server_only = true});
  EXPECT_TRUE(server.contains("server_metadata"));
  EXPECT_EQ(server["last_active_at_millis"], 0);
}

TEST(MessageToJson, OmitIfUnsetLeavesKeysOut) {
  identity::v1::OAuthTokenResponse response;
  response.set_access_token("t");
  response.set_token_type("Bearer");
  auto out = MessageToJson(response, {});
  EXPECT_FALSE(out.contains("refresh_token"));
  EXPECT_FALSE(out.contains("is_new_user"));
  EXPECT_EQ(out["token_type"], "Bearer");
  response.set_refresh_token("r");
  EXPECT_EQ(MessageToJson(response, {})["refresh_token"], "r");
}

TEST(MessageToJson, RestNameRenamesTheKeyAndValueNullIsNull) {
  identity::v1::OAuthTokenResponse response;
  response.set_is_new_user(true);
  response.set_new_user_camel(true);
  response.mutable_after_callback_redirect_url()->set_null_value(
      google::protobuf::NULL_VALUE);
  response.mutable_after_callback_redirect_url_camel()->set_string_value(
      "https://app.example/after");
  auto out = MessageToJson(response, {});
  EXPECT_EQ(out["is_new_user"], true);
  EXPECT_EQ(out["newUser"], true);
  EXPECT_FALSE(out.contains("new_user_camel"));
  ASSERT_TRUE(out.contains("after_callback_redirect_url"));
  EXPECT_TRUE(out["after_callback_redirect_url"].is_null());
  EXPECT_EQ(out["afterCallbackRedirectUrl"], "https://app.example/after");
  // Unset, they are left out (the refresh grant's shape).
  response.Clear();
  out = MessageToJson(response, {});
  EXPECT_FALSE(out.contains("newUser"));
  EXPECT_FALSE(out.contains("after_callback_redirect_url"));
  EXPECT_FALSE(out.contains("afterCallbackRedirectUrl"));
}

TEST(MessageToJson, UpdateMaskIsNeverWritten) {
  identity::v1::UpdateCurrentUserRequest request;
  request.mutable_update_mask()->add_paths("display_name");
  request.set_display_name("Ann");
  auto out = MessageToJson(request, {});
  EXPECT_FALSE(out.contains("update_mask"));
  EXPECT_EQ(out["display_name"], "Ann");
}

TEST(MessageToJson, JsonValuesAndMaps) {
  identity::v1::User user;
  auto& fields =
      *user.mutable_client_metadata()->mutable_struct_value()->mutable_fields();
  auto& list = *fields["b"].mutable_list_value();
  list.add_values()->set_bool_value(true);
  list.add_values()->set_null_value(google::protobuf::NULL_VALUE);
  list.add_values()->set_string_value("x");
  list.add_values()->set_number_value(2.5);
  list.add_values()->set_number_value(7);
  (*fields["a"].mutable_struct_value()->mutable_fields())["n"].set_number_value(
      1);
  auto out = MessageToJson(user, {});
  // Keys sorted, whole numbers written as integers.
  EXPECT_EQ(out["client_metadata"].dump(),
            R"({"a":{"n":1},"b":[true,null,"x",2.5,7]})");

  identity::v1::ProjectConfig config;
  (*config.mutable_email_templates())["password_reset"].set_subject("S");
  auto config_json = MessageToJson(config, {});
  EXPECT_EQ(config_json["email_templates"]["password_reset"]["subject"], "S");
}

TEST(ValueToJsonText, WritesCompactText) {
  google::protobuf::Value value;
  auto& fields = *value.mutable_struct_value()->mutable_fields();
  fields["b"].set_number_value(2.5);
  fields["a"].set_number_value(3);
  fields["c"].set_number_value(std::numeric_limits<double>::infinity());
  EXPECT_EQ(ValueToJsonText(value), R"({"a":3,"b":2.5,"c":null})");
  EXPECT_EQ(ValueToJsonText(google::protobuf::Value()), "null");
}

}  // namespace
}  // namespace latchkey::service
