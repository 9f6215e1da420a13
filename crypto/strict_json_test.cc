#include "crypto/strict_json.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

TEST(JsonStringifyStringTest, AppendsAfterWhatIsThereAndLeavesItOnBadUtf8) {
  std::string out = "{\"a\":";
  ASSERT_TRUE(AppendJsonStringifiedString("x\"y\n", &out).ok());
  EXPECT_EQ(out, "{\"a\":\"x\\\"y\\n\"");
  EXPECT_EQ(AppendJsonStringifiedString("ok \xff", &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, "{\"a\":\"x\\\"y\\n\"");
}

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

// What AppendCompactJson must reproduce byte for byte, or nullopt where
// nlohmann's strict dump throws.
std::optional<std::string> NlohmannDump(const nlohmann::ordered_json& value) {
  try {
    return value.dump(-1, ' ', false,
                      nlohmann::ordered_json::error_handler_t::strict);
  } catch (const nlohmann::ordered_json::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> Compact(const nlohmann::ordered_json& value) {
  std::string out = "prefix";
  absl::Status status = AppendCompactJson(value, &out);
  if (!status.ok()) {
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    return std::nullopt;
  }
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

TEST(AppendCompactJsonTest, MatchesNlohmannDumpForEveryKindOfValue) {
  using ordered_json = nlohmann::ordered_json;
  ordered_json claims = {
      {"iss", "https://auth.example/api/v1/projects/internal"},
      {"aud", "internal"},
      {"iat", 1700000000},
      {"neg", -42},
      {"min", std::numeric_limits<int64_t>::min()},
      {"max", std::numeric_limits<int64_t>::max()},
      {"umax", std::numeric_limits<uint64_t>::max()},
      {"zero", 0},
      {"float", 1.5},
      {"whole_float", 2.0},
      {"tiny", 1e-300},
      {"huge", 1.7976931348623157e308},
      {"neg_zero", -0.0},
      {"nan", std::numeric_limits<double>::quiet_NaN()},
      {"inf", std::numeric_limits<double>::infinity()},
      {"t", true},
      {"f", false},
      {"n", nullptr},
      {"empty_object", ordered_json::object()},
      {"empty_array", ordered_json::array()},
      {"array",
       {1, "two", nullptr, {{"z", 1}, {"a", 2}}, ordered_json::array()}},
      {"escapes", "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f end"},
      {"unicode", "\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xf0\x9f\x98\x80"},
      {std::string("key \"with\" \n escapes\0", 21), "v"},
      {"binary", ordered_json::binary({1, 2, 3}, 7)},
  };
  EXPECT_EQ(Compact(claims), NlohmannDump(claims));
  for (const auto& [name, value] : claims.items()) {
    EXPECT_EQ(Compact(value), NlohmannDump(value)) << name;
  }
  EXPECT_EQ(Compact(ordered_json::object()), "{}");
  EXPECT_EQ(Compact(ordered_json("x")), "\"x\"");
}

TEST(AppendCompactJsonTest, EscapesEveryByteAsNlohmannDoes) {
  // Each byte value at each position of a string long enough to be scanned
  // a word at a time, alone and after a valid two-byte sequence.
  for (int b = 0; b < 256; ++b) {
    for (size_t pos = 0; pos < 20; ++pos) {
      for (std::string prefix : {"", "\xc3\xa9"}) {
        std::string text = prefix + std::string(20, 'a');
        text[prefix.size() + pos] = static_cast<char>(b);
        nlohmann::ordered_json value = {{text, text}};
        ASSERT_EQ(Compact(value), NlohmannDump(value)) << b << " at " << pos;
      }
    }
  }
}

TEST(AppendCompactJsonTest, AgreesWithNlohmannOnRandomBytes) {
  // Mostly invalid UTF-8 of every kind (truncated, overlong, surrogates,
  // above U+10FFFF), drawn from the bytes that decide it.
  const uint8_t kBytes[] = {0x00, 0x1f, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f,
                            0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
                            0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
  std::mt19937_64 rng(5);
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t len = rng() % 20;
    for (size_t i = 0; i < len; ++i) {
      // Half plain letters, so that runs long enough to be scanned a word
      // at a time occur too.
      text.push_back(rng() % 2 == 0
                         ? 'a'
                         : static_cast<char>(kBytes[rng() % sizeof(kBytes)]));
    }
    nlohmann::ordered_json value = round % 2 == 0
                                       ? nlohmann::ordered_json(text)
                                       : nlohmann::ordered_json{{text, 1}};
    std::optional<std::string> ours = Compact(value);
    ASSERT_EQ(ours, NlohmannDump(value)) << round;
    if (ours.has_value()) ++valid;
    // JsonStringifyString escapes the same way and refuses the same input.
    auto stringified = JsonStringifyString(text);
    ASSERT_EQ(stringified.ok(),
              NlohmannDump(nlohmann::ordered_json(text)).has_value());
    if (stringified.ok()) {
      EXPECT_EQ(*stringified, *NlohmannDump(nlohmann::ordered_json(text)));
    }
  }
  EXPECT_GT(valid, 1000);  // Both outcomes were exercised.
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

// The simple parser accepts only what nlohmann's side accepts, with the
// same tree; returns whether it accepted.
bool CheckAgreement(std::string_view text) {
  std::optional<nlohmann::json> simple = internal::ParseSimpleJsonObject(text);
  absl::StatusOr<nlohmann::json> reference =
      internal::ParseJsonObjectWithNlohmann(text);
  absl::StatusOr<nlohmann::json> strict = ParseStrictJsonObject(text);
  EXPECT_EQ(strict.ok(), reference.ok()) << text;
  if (strict.ok() && reference.ok()) {
    EXPECT_TRUE(internal::IdenticalJson(*strict, *reference)) << text;
  }
  if (!simple.has_value()) return false;
  EXPECT_TRUE(reference.ok()) << text;
  if (reference.ok()) {
    EXPECT_TRUE(internal::IdenticalJson(*simple, *reference))
        << text << "\n"
        << simple->dump() << "\n"
        << reference->dump();
  }
  return true;
}

constexpr char kClaims[] =
    R"({"iss":"https://auth.example/api/v1/projects/internal",)"
    R"("sub":"6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c","aud":"internal",)"
    R"("iat":1700000000,"exp":1700000600,"neg":-42,"zero":0,)"
    R"("name":"AdÃ© ð","email_verified":true,)"
    R"("selected_team_id":null,"is_anonymous":false,)"
    R"("list":[1,"two",[],{},{"x":[true]}],"empty":""})";

TEST(SimpleJsonParserTest, ReadsTokenClaimsAsNlohmannDoes) {
  EXPECT_TRUE(CheckAgreement(kClaims));
  EXPECT_TRUE(CheckAgreement(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n"));
  EXPECT_TRUE(CheckAgreement("{}"));
  EXPECT_TRUE(CheckAgreement(R"({"alg":"ES256","kid":"M5zZLA6iQw2n"})"));
  EXPECT_TRUE(CheckAgreement(R"({"max":999999999999999999,)"
                             R"("min":-999999999999999999})"));
  auto parsed = internal::ParseSimpleJsonObject(R"({"u":1,"i":-1})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE((*parsed)["u"].is_number_unsigned());
  EXPECT_TRUE((*parsed)["i"].is_number_integer() &&
              !(*parsed)["i"].is_number_unsigned());
}

TEST(SimpleJsonParserTest, LeavesEverythingElseToNlohmann) {
  // Valid JSON it does not handle, and invalid JSON of every kind: it must
  // give up on all of them (ParseStrictJsonObject then decides).
  for (const char* text : {
           R"({"a":"\n"})",
           R"({"a":"\u00e9"})",
           R"({"\u0061":1})",
           R"({"a":1.5})",
           R"({"a":1e3})",
           R"({"a":1E3})",
           R"({"a":-0})",
           R"({"a":0.0})",
           R"({"a":1234567890123456789})",
           R"({"a":-1234567890123456789})",
           R"({"a":01})",
           R"({"a":-01})",
           R"({"a":1,"a":2})",
           R"({"a":{"b":1,"b":1}})",
           R"([1])",
           R"("x")",
           R"(1)",
           "",
           " ",
           "{",
           "}",
           R"({"a")",
           R"({"a":})",
           R"({"a":1,})",
           R"({"a":1 "b":2})",
           R"({,"a":1})",
           R"({"a":[1,]})",
           R"({"a":[1 2]})",
           R"({"a":tru})",
           R"({"a":truex})",
           R"({"a":nul})",
           R"({"a":1x})",
           R"({"a":-})",
           R"({"a":--1})",
           R"({"a":+1})",
           R"({'a':1})",
           R"({a:1})",
           R"({"a":1}})",
           R"({"a":1} {})",
           R"({"a":1}x)",
           R"({"a":"x)",
           "{\"a\":\"\x01\"}",
           "{\"a\":\"\xff\"}",
           "{\"a\":\"\xc3\"}",
           "{\"a\":\"\xed\xa0\x80\"}",
           "{\"a\":\"\xe0\x80\x80\"}",
           "{\"a\":\"\xf4\x90\x80\x80\"}",
           "\xEF\xBB\xBF{}",
           "{\v\"a\":1}",
           "{\"a\":1 /* c */}",
           R"({"a":[[[[[[[[[1]]]]]]]]]})",
       }) {
    EXPECT_FALSE(internal::ParseSimpleJsonObject(text).has_value()) << text;
    CheckAgreement(text);
  }
  EXPECT_FALSE(internal::ParseSimpleJsonObject(std::string("{\"a\":1}\0", 8))
                   .has_value());
  // Deeper than the simple parser goes but within kMaxJsonDepth.
  std::string deep =
      "{\"a\":" + std::string(10, '[') + std::string(10, ']') + "}";
  EXPECT_FALSE(internal::ParseSimpleJsonObject(deep).has_value());
  EXPECT_TRUE(ParseStrictJsonObject(deep).ok());
}

TEST(SimpleJsonParserTest, AgreesWithNlohmannOnMutations) {
  // Every single-byte replacement, deletion and insertion of structural and
  // number characters in a token's claims, and every truncation.
  const std::string base = kClaims;
  const std::string kBytes = "{}[]:,\"\\-0159.eE tnf \x01\x80\xff";
  int accepted = 0;
  for (size_t i = 0; i <= base.size(); ++i) {
    if (CheckAgreement(base.substr(0, i))) ++accepted;
    if (i < base.size()) {
      if (CheckAgreement(base.substr(0, i) + base.substr(i + 1))) ++accepted;
    }
    for (char c : kBytes) {
      if (i < base.size()) {
        std::string replaced = base;
        replaced[i] = c;
        if (CheckAgreement(replaced)) ++accepted;
      }
      std::string inserted = base;
      inserted.insert(inserted.begin() + i, c);
      if (CheckAgreement(inserted)) ++accepted;
    }
  }
  EXPECT_GT(accepted, 100);  // Both outcomes were exercised.
}

}  // namespace
}  // namespace latchkey::crypto
