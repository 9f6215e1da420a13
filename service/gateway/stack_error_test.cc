#include "service/gateway/stack_error.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/errors/api_error.h"

namespace latchkey::service::gateway {
namespace {

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

TEST(StackErrorResponse, KnownErrorWithTypedDetails) {
  HttpResponse response = StackErrorResponse(ApiError(
      identity::v1::USER_EMAIL_ALREADY_EXISTS,
      {{"email", "a@b.c"}, {"would_work_if_email_was_verified", "false"}}));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(HeaderOf(response, "x-stack-known-error"),
            "USER_EMAIL_ALREADY_EXISTS");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["code"], "USER_EMAIL_ALREADY_EXISTS");
  EXPECT_EQ(body["details"]["email"], "a@b.c");
  EXPECT_EQ(body["details"]["would_work_if_email_was_verified"], false);
  EXPECT_EQ(body["error"], "A user with this email address already exists.");
}

TEST(StackErrorResponse, DetailsAreLeftOutWhenTheCodeHasNone) {
  HttpResponse response =
      StackErrorResponse(ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH));
  EXPECT_EQ(response.status, 400);
  auto body = nlohmann::json::parse(response.body);
  EXPECT_FALSE(body.contains("details"));
}

TEST(StackErrorResponse, NullableDetailsBecomeNullAndIntegersNumbers) {
  HttpResponse response = StackErrorResponse(ApiError(
      identity::v1::ACCESS_TOKEN_EXPIRED, {{"expired_at_millis", "1234"}}));
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["details"]["expired_at_millis"], 1234);
  EXPECT_TRUE(body["details"]["project_id"].is_null());
  EXPECT_TRUE(body["details"].contains("refresh_token_id"));
}

TEST(StackErrorResponse, JsonDetailsAreWrittenAsJson) {
  HttpResponse response = StackErrorResponse(
      ApiError(identity::v1::INSUFFICIENT_ACCESS_TYPE,
               {{"actual_access_type", "client"},
                {"allowed_access_types", "[\"server\",\"admin\"]"}}));
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["details"]["allowed_access_types"],
            nlohmann::json::array({"server", "admin"}));
  EXPECT_EQ(response.status, 401);
}

TEST(StackErrorResponse, LatchkeyCodesHaveNoKnownErrorHeader) {
  HttpResponse response = StackErrorResponse(
      ApiError(identity::v1::RATE_LIMITED, {{"retry_after_seconds", "30"}}));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(HeaderOf(response, "x-stack-known-error"), "<none>");
  EXPECT_EQ(HeaderOf(response, "retry-after"), "30");
}

TEST(StackErrorResponse, InternalErrorsDoNotLeak) {
  HttpResponse response =
      StackErrorResponse(absl::InternalError("password=hunter2"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(response.body)["code"], "INTERNAL_ERROR");
}

}  // namespace
}  // namespace latchkey::service::gateway
