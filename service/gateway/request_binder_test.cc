#include "service/gateway/request_binder.h"

#include "gtest/gtest.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"
#include "service/errors/api_error.h"

namespace latchkey::service::gateway {
namespace {

BindingRule JsonBody() { return {.body_field = "*"}; }
BindingRule NoBody() { return {.body_field = ""}; }

std::string Problem(const absl::Status& status) {
  auto error = ReadApiError(status);
  if (!error.has_value()) return status.ok() ? "" : status.ToString();
  return std::string(ErrorCodeName(error->code)) + ": " +
         error->details["message"];
}

TEST(BindRequest, JsonBodyFillsTheMessage) {
  identity::v1::PasswordSignUpRequest request;
  HttpRequestParts parts{.content_type = "application/json; charset=utf-8",
                         .body = R"({"email":"a@b.c","password":"pw"})"};
  EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)), "");
  EXPECT_EQ(request.email(), "a@b.c");
}

TEST(BindRequest, EmptyBodyWithoutContentTypeIsAnEmptyObject) {
  identity::v1::AnonymousSignUpRequest request;
  EXPECT_EQ(Problem(BindRequest({}, JsonBody(), request)), "");
  HttpRequestParts spaces{.body = " \r\n"};
  EXPECT_EQ(Problem(BindRequest(spaces, JsonBody(), request)), "");
}

TEST(BindRequest, MalformedJsonIsABodyParsingError) {
  identity::v1::PasswordSignUpRequest request;
  HttpRequestParts parts{.content_type = "application/json",
                         .body = R"({"email": )"};
  EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)).substr(0, 18),
            "BODY_PARSING_ERROR");
}

TEST(BindRequest, ValidJsonThatIsNotAnObjectIsASchemaError) {
  identity::v1::PasswordSignUpRequest request;
  for (const char* body : {"[1]", "\"x\"", R"({"email":"a","email":"b"})"}) {
    HttpRequestParts parts{.content_type = "application/json", .body = body};
    EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)).substr(0, 12),
              "SCHEMA_ERROR")
        << body;
  }
}

TEST(BindRequest, UnknownBodyKeysAreASchemaErrorNamingThem) {
  identity::v1::PasswordSignUpRequest request;
  HttpRequestParts parts{.body = R"({"email":"a","extra":1})"};
  EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)),
            "SCHEMA_ERROR: Request validation failed:\n  - body contains "
            "unknown properties: extra");
}

TEST(BindRequest, OtherContentTypesAreRefused) {
  identity::v1::PasswordSignUpRequest request;
  HttpRequestParts parts{.content_type = "text/plain", .body = "hello"};
  EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)).substr(0, 22),
            "UNSUPPORTED_MEDIA_TYPE");
  HttpRequestParts form{.content_type = "application/x-www-form-urlencoded",
                        .body = "email=a"};
  EXPECT_EQ(Problem(BindRequest(form, JsonBody(), request)).substr(0, 22),
            "UNSUPPORTED_MEDIA_TYPE");
}

TEST(BindRequest, FormBodiesWhereTheRouteAsks) {
  identity::v1::OAuthTokenRequest request;
  HttpRequestParts parts{
      .content_type = "application/x-www-form-urlencoded",
      .body =
          "grant_type=refresh_token&refresh_token=abc&client_id=internal%23main"
          "&client_secret=__stack_public_client__"};
  BindingRule rule = JsonBody();
  rule.body_encoding = identity::v1::BODY_ENCODING_FORM;
  EXPECT_EQ(Problem(BindRequest(parts, rule, request)), "");
  EXPECT_EQ(request.grant_type(), "refresh_token");
  EXPECT_EQ(request.client_id(), "internal#main");
  HttpRequestParts bad{.content_type = "application/x-www-form-urlencoded",
                       .body = "grant_type=%zz"};
  EXPECT_EQ(Problem(BindRequest(bad, rule, request)).substr(0, 18),
            "BODY_PARSING_ERROR");
  HttpRequestParts unknown{.content_type = "application/x-www-form-urlencoded",
                           .body = "foo=1"};
  EXPECT_EQ(Problem(BindRequest(unknown, rule, request)),
            "SCHEMA_ERROR: Request validation failed:\n  - body contains "
            "unknown property foo");
}

TEST(BindRequest, PathAndQueryBindForGet) {
  identity::v1::ListUsersRequest request;
  HttpRequestParts parts{
      .query = "limit=5&desc=true&query=ann%20lee&include_anonymous=false"};
  EXPECT_EQ(Problem(BindRequest(parts, NoBody(), request)), "");
  EXPECT_EQ(request.limit(), 5);
  EXPECT_TRUE(request.desc());
  EXPECT_EQ(request.query(), "ann lee");

  identity::v1::GetUserRequest get;
  HttpRequestParts with_path{.path_bindings = {{{"user_id"}, "u-1"}}};
  EXPECT_EQ(Problem(BindRequest(with_path, NoBody(), get)), "");
  EXPECT_EQ(get.user_id(), "u-1");
}

TEST(BindRequest, UnknownQueryParametersAreRefused) {
  identity::v1::ListUsersRequest request;
  HttpRequestParts parts{.query = "limit=5&bogus=1"};
  EXPECT_EQ(Problem(BindRequest(parts, NoBody(), request)),
            "SCHEMA_ERROR: Request validation failed:\n  - query contains "
            "unknown property bogus");
  identity::v1::PasswordSignUpRequest post;
  HttpRequestParts post_query{.query = "x=1", .body = "{}"};
  EXPECT_EQ(Problem(BindRequest(post_query, JsonBody(), post)),
            "SCHEMA_ERROR: Request validation failed:\n  - query contains "
            "unknown properties: x");
}

TEST(BindRequest, PathFieldsCannotBeOverriddenFromQueryOrBody) {
  identity::v1::GetUserRequest get;
  HttpRequestParts parts{.path_bindings = {{{"user_id"}, "u-1"}},
                         .query = "user_id=u-2"};
  EXPECT_NE(Problem(BindRequest(parts, NoBody(), get)).find("already given"),
            std::string::npos);
  identity::v1::UpdateUserRequest update;
  HttpRequestParts body{.path_bindings = {{{"user_id"}, "u-1"}},
                        .body = R"({"user_id":"u-2"})"};
  EXPECT_NE(
      Problem(BindRequest(body, JsonBody(), update)).find("already given"),
      std::string::npos);
}

TEST(BindRequest, NoBodyRoutesAcceptOnlyAnEmptyObject) {
  identity::v1::SignOutRequest request;
  HttpRequestParts empty_object{.content_type = "application/json",
                                .body = "{}"};
  EXPECT_EQ(Problem(BindRequest(empty_object, NoBody(), request)), "");
  HttpRequestParts something{.content_type = "application/json",
                             .body = R"({"a":1})"};
  EXPECT_EQ(Problem(BindRequest(something, NoBody(), request)),
            "SCHEMA_ERROR: Request validation failed:\n  - this route takes no "
            "request body");
}

TEST(BindRequest, PatchFillsUpdateMaskFromBodyKeys) {
  identity::v1::UpdateTeamRequest request;
  HttpRequestParts parts{
      .path_bindings = {{{"team_id"}, "t"}},
      .body = R"({"display_name":"x","profile_image_url":null})"};
  EXPECT_EQ(Problem(BindRequest(parts, JsonBody(), request)), "");
  EXPECT_EQ(request.team_id(), "t");
  ASSERT_EQ(request.update_mask().paths_size(), 2);
  EXPECT_EQ(request.update_mask().paths(0), "display_name");
  EXPECT_EQ(request.update_mask().paths(1), "profile_image_url");
  EXPECT_FALSE(request.has_profile_image_url());
}

TEST(BindRequest, ClientsCannotSetServerOnlyFields) {
  identity::v1::UpdateCurrentUserRequest request;
  HttpRequestParts parts{.body = R"({"server_metadata":{}})"};
  BindingRule client = JsonBody();
  client.allow_server_only = false;
  EXPECT_EQ(Problem(BindRequest(parts, client, request)),
            "SCHEMA_ERROR: Request validation failed:\n  - body contains "
            "unknown properties: server_metadata");
}

TEST(BindRequest, IgnoreUnknownKeysSkipsForeignQueryParameters) {
  identity::v1::OAuthAuthorizeRequest request;
  HttpRequestParts parts{
      .query = "client_id=p&ttclid=123&stack_response_mode=json&state=s"};
  EXPECT_EQ(Problem(BindRequest(parts, NoBody(), request)).substr(0, 12),
            "SCHEMA_ERROR");
  request.Clear();
  BindingRule lenient = NoBody();
  lenient.ignore_unknown_keys = true;
  EXPECT_EQ(Problem(BindRequest(parts, lenient, request)), "");
  EXPECT_EQ(request.client_id(), "p");
  EXPECT_EQ(request.state(), "s");
}

TEST(BindRequest, IgnoreUnknownKeysReadsQueryAndFormTogether) {
  identity::v1::OAuthCallbackRequest request;
  HttpRequestParts parts{.query = "state=from-query",
                         .content_type = "application/x-www-form-urlencoded",
                         .body = "code=c1&user=%7B%7D&id_token=x"};
  BindingRule strict{.body_field = "*",
                     .body_encoding = identity::v1::BODY_ENCODING_FORM};
  EXPECT_EQ(Problem(BindRequest(parts, strict, request)).substr(0, 12),
            "SCHEMA_ERROR");
  request.Clear();
  BindingRule lenient = strict;
  lenient.ignore_unknown_keys = true;
  EXPECT_EQ(Problem(BindRequest(parts, lenient, request)), "");
  EXPECT_EQ(request.state(), "from-query");
  EXPECT_EQ(request.code(), "c1");
}

}  // namespace
}  // namespace latchkey::service::gateway
