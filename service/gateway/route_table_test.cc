#include "service/gateway/route_table.h"

#include "gtest/gtest.h"

namespace latchkey::service::gateway {
namespace {

using Outcome = RouteTable::Outcome;

std::unique_ptr<const RouteTable> Table() {
  RouteTable::Builder builder;
  EXPECT_TRUE(builder.Add("GET", "/api/v1/users/me", 1).ok());
  EXPECT_TRUE(builder.Add("GET", "/api/v1/users/{user_id}", 2).ok());
  EXPECT_TRUE(builder.Add("PATCH", "/api/v1/users/{user_id}", 3).ok());
  EXPECT_TRUE(builder.Add("DELETE", "/api/v1/users/me", 4).ok());
  EXPECT_TRUE(
      builder
          .Add("GET", "/api/v1/projects/{project_id}/.well-known/jwks.json", 5)
          .ok());
  EXPECT_TRUE(
      builder
          .Add("POST",
               "/api/v1/team-permissions/{team_id}/{user_id}/{permission_id}",
               6)
          .ok());
  EXPECT_TRUE(builder.Add("GET", "/files/{path=**}", 7).ok());
  EXPECT_TRUE(builder.Add("POST", "/api/v1/things/{id}:archive", 8).ok());
  return std::move(builder).Build();
}

TEST(RouteTable, LiteralSegmentBeatsVariable) {
  auto table = Table();
  auto me = table->Find("GET", "/api/v1/users/me");
  EXPECT_EQ(me.outcome, Outcome::kMatched);
  EXPECT_EQ(me.target, 1);
  EXPECT_TRUE(me.bindings.empty());
  auto other = table->Find("GET", "/api/v1/users/u-1");
  EXPECT_EQ(other.target, 2);
  ASSERT_EQ(other.bindings.size(), 1u);
  EXPECT_EQ(other.bindings[0].value, "u-1");
}

TEST(RouteTable, MethodsServedOnlyByTheVariableFallThroughToIt) {
  auto table = Table();
  auto patch = table->Find("PATCH", "/api/v1/users/me");
  EXPECT_EQ(patch.target, 3);
  ASSERT_EQ(patch.bindings.size(), 1u);
  EXPECT_EQ(patch.bindings[0].value, "me");
}

TEST(RouteTable, WrongMethodOnAKnownPathListsTheAllowedOnes) {
  auto table = Table();
  auto post = table->Find("POST", "/api/v1/users/me");
  EXPECT_EQ(post.outcome, Outcome::kMethodNotAllowed);
  EXPECT_EQ(post.allowed_methods,
            (std::vector<std::string>{"DELETE", "GET", "PATCH"}));
}

TEST(RouteTable, UnknownPathsAreNotFound) {
  auto table = Table();
  EXPECT_EQ(table->Find("GET", "/api/v1/nope").outcome, Outcome::kNotFound);
  EXPECT_EQ(table->Find("GET", "/api/v1/users/a/b").outcome,
            Outcome::kNotFound);
  EXPECT_EQ(table->Find("GET", "/api/v1//users").outcome, Outcome::kNotFound);
}

TEST(RouteTable, DotsInLiteralsAndPercentDecodingOfValues) {
  auto table = Table();
  auto jwks =
      table->Find("GET", "/api/v1/projects/p%2D1/.well-known/jwks.json");
  ASSERT_EQ(jwks.outcome, Outcome::kMatched);
  EXPECT_EQ(jwks.target, 5);
  EXPECT_EQ(jwks.bindings[0].value, "p-1");
  EXPECT_EQ(
      table->Find("GET", "/api/v1/projects/p/.well-known/jwks%2Ejson").target,
      5);
  EXPECT_EQ(table->Find("GET", "/api/v1/users/%zz").outcome, Outcome::kBadPath);
  EXPECT_EQ(table->Find("GET", "/api/v1/users/a%00").outcome,
            Outcome::kBadPath);
}

TEST(RouteTable, SeveralVariablesBindInOrder) {
  auto match =
      Table()->Find("POST", "/api/v1/team-permissions/t/u/$read_members");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  ASSERT_EQ(match.bindings.size(), 3u);
  EXPECT_EQ(match.bindings[0].field_path[0], "team_id");
  EXPECT_EQ(match.bindings[2].value, "$read_members");
}

TEST(RouteTable, DoubleStarTakesTheRest) {
  auto table = Table();
  auto deep = table->Find("GET", "/files/a/b/c.txt");
  EXPECT_EQ(deep.target, 7);
  EXPECT_EQ(deep.bindings[0].value, "a/b/c.txt");
  auto none = table->Find("GET", "/files");
  EXPECT_EQ(none.target, 7);
  EXPECT_EQ(none.bindings[0].value, "");
}

TEST(RouteTable, CustomVerbs) {
  auto match = Table()->Find("POST", "/api/v1/things/x1:archive");
  ASSERT_EQ(match.outcome, Outcome::kMatched);
  EXPECT_EQ(match.target, 8);
  EXPECT_EQ(match.bindings[0].value, "x1");
}

TEST(RouteTable, TrailingSlashIsTolerated) {
  EXPECT_EQ(Table()->Find("GET", "/api/v1/users/me/").target, 1);
}

TEST(RouteTable, CollisionsAreRefusedAtBuildTime) {
  RouteTable::Builder builder;
  ASSERT_TRUE(builder.Add("GET", "/a/{x}", 1).ok());
  EXPECT_EQ(builder.Add("GET", "/a/{y}", 2).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(builder.Add("get", "/a/*", 3).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(builder.Add("POST", "/a/{y}", 4).ok());
  EXPECT_EQ(builder.Add("GET", "/a/{", 5).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PercentDecode, PlusOnlyInForms) {
  EXPECT_EQ(PercentDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("%", false).has_value());
}

}  // namespace
}  // namespace latchkey::service::gateway
