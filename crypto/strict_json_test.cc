#include "crypto/strict_json.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

TEST(JsonStringifyStringTest, MatchesJavaScriptForPlainAndEscapedText) {
  // Expected values are what node's JSON.stringify prints.
  EXPECT_EQ(*JsonStringifyString(""), "\"\"");
  EXPECT_EQ(*JsonStringifyString("internal"), "\"internal\"");
  EXPECT_EQ(*JsonStringifyString("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(*JsonStringifyString("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(*JsonStringifyString(std::string("\x00\x01\x1f", 3)),
            "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(*JsonStringifyString("\x7f"), "\"\x7f\"");
}

TEST(JsonStringifyStringTest, WritesNonAsciiRawIncludingLineSeparators) {
  EXPECT_EQ(*JsonStringifyString("h\xc3\xa9llo"), "\"h\xc3\xa9llo\"");
  // U+2028 and U+2029 are not escaped by JSON.stringify.
  EXPECT_EQ(*JsonStringifyString("\xe2\x80\xa8\xe2\x80\xa9"),
            "\"\xe2\x80\xa8\xe2\x80\xa9\"");
  EXPECT_EQ(*JsonStringifyString("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
}

TEST(JsonStringifyStringTest, InvalidUtf8IsRejected) {
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xe0\x80\xaf", "a\x80"}) {
    EXPECT_EQ(JsonStringifyString(bad).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ParseStrictJsonObjectTest, ParsesAnObject) {
  auto parsed = ParseStrictJsonObject(
      R"({"alg":"ES256","n":[1,{"a":null}],"o":{"a":1,"b":true}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["alg"], "ES256");
  EXPECT_EQ((*parsed)["o"]["a"], 1);
}

TEST(ParseStrictJsonObjectTest, SameKeyInDifferentObjectsIsAllowed) {
  EXPECT_TRUE(
      ParseStrictJsonObject(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})").ok());
}

TEST(ParseStrictJsonObjectTest, DuplicateTopLevelKeyIsRejected) {
  EXPECT_EQ(
      ParseStrictJsonObject(R"({"alg":"ES256","alg":"none"})").status().code(),
      StatusCode::kInvalidArgument);
}

TEST(ParseStrictJsonObjectTest, DuplicateNestedKeyIsRejected) {
  EXPECT_EQ(
      ParseStrictJsonObject(R"({"r":{"type":"a","type":"b"}})").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStrictJsonObject(R"({"r":[{"x":1,"x":1}]})").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ParseStrictJsonObjectTest, DuplicateKeyWrittenWithEscapesIsRejected) {
  // "\u0061lg" is "alg" after unescaping; the check sees decoded names.
  EXPECT_EQ(ParseStrictJsonObject(R"({"alg":"ES256","\u0061lg":"none"})")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(ParseStrictJsonObjectTest, NonObjectsAreRejected) {
  for (const char* text : {"[]", "\"x\"", "1", "null", "true", ""}) {
    EXPECT_EQ(ParseStrictJsonObject(text).status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(ParseStrictJsonObjectTest, MalformedJsonIsRejected) {
  for (const char* text :
       {"{", "{\"a\":1,}", "{\"a\":1} x", "{'a':1}", "{\"a\":1 /* c */}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\"}", "{\"a\":1e999}",
        "\xEF\xBB\xBF{}"}) {
    EXPECT_EQ(ParseStrictJsonObject(text).status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(ParseStrictJsonObjectTest, DeepNestingIsRejected) {
  std::string deep =
      "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(ParseStrictJsonObject(deep).status().code(),
            StatusCode::kInvalidArgument);
  std::string shallow =
      "{\"a\":" + std::string(8, '[') + std::string(8, ']') + "}";
  EXPECT_TRUE(ParseStrictJsonObject(shallow).ok());
}

}  // namespace
}  // namespace latchkey::crypto
