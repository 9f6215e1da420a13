#include "service/gateway/path_template.h"

#include "gtest/gtest.h"

namespace latchkey::service::gateway {
namespace {

using Kind = PathTemplate::SegmentKind;

TEST(PathTemplate, LiteralsWithDotsAndVariables) {
  auto parsed = PathTemplate::Parse(
      "/api/v1/projects/{project_id}/.well-known/jwks.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->segments.size(), 6u);
  EXPECT_EQ(parsed->segments[3].kind, Kind::kSingle);
  EXPECT_EQ(parsed->segments[4].literal, ".well-known");
  EXPECT_EQ(parsed->segments[5].literal, "jwks.json");
  ASSERT_EQ(parsed->variables.size(), 1u);
  EXPECT_EQ(parsed->variables[0].field_path,
            std::vector<std::string>{"project_id"});
  EXPECT_EQ(parsed->variables[0].begin, 3);
  EXPECT_EQ(parsed->variables[0].end, 4);
}

TEST(PathTemplate, NestedFieldPathsMultiSegmentVariablesAndVerbs) {
  auto parsed = PathTemplate::Parse("/v1/{name.first=shelves/*/books/**}:get");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->verb, "get");
  ASSERT_EQ(parsed->variables.size(), 1u);
  EXPECT_EQ(parsed->variables[0].field_path,
            (std::vector<std::string>{"name", "first"}));
  EXPECT_EQ(parsed->variables[0].begin, 1);
  EXPECT_EQ(parsed->variables[0].end, -1);
  EXPECT_EQ(parsed->segments.back().kind, Kind::kMulti);
  EXPECT_EQ(parsed->ToString(), "/v1/{name.first=shelves/*/books/**}:get");
}

TEST(PathTemplate, CanonicalFormRoundTrips) {
  for (const char* text : {"/a/{b}/c", "/a/*/**", "/a/{x=*}", "/x:y"}) {
    auto parsed = PathTemplate::Parse(text);
    ASSERT_TRUE(parsed.ok()) << text;
    auto again = PathTemplate::Parse(parsed->ToString());
    ASSERT_TRUE(again.ok()) << parsed->ToString();
    EXPECT_EQ(again->ToString(), parsed->ToString());
  }
  EXPECT_EQ(PathTemplate::Parse("/a/{x=*}")->ToString(), "/a/{x}");
}

TEST(PathTemplate, RejectsWhatTheGrammarForbids) {
  for (const char* bad : {"", "a/b", "/", "/a//b", "/a/{", "/a/{}", "/a/{1x}",
                          "/a/{x=}", "/a/{x={y}}", "/a/**/b", "/a:", "/a/b}",
                          "/a/{x.}", "/a/b c", "/a/*x"}) {
    EXPECT_EQ(PathTemplate::Parse(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "\"" << bad << "\"";
  }
}

TEST(PathTemplate, ErrorsSayWhereAndWhat) {
  auto parsed = PathTemplate::Parse("/a/{x");
  EXPECT_NE(parsed.status().message().find("\"}\" closing the variable"),
            absl::string_view::npos)
      << parsed.status();
  EXPECT_NE(parsed.status().message().find("offset 5"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace latchkey::service::gateway
