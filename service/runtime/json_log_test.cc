#include "service/runtime/json_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

// What LogJson writes to stderr during `log`.
template <typename F>
std::string Captured(F log) {
  char path[] = "/tmp/json_log_test.XXXXXX";
  const int file = mkstemp(path);
  EXPECT_GE(file, 0);
  unlink(path);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  log();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string out;
  lseek(file, 0, SEEK_SET);
  char buffer[4096];
  for (ssize_t n; (n = read(file, buffer, sizeof buffer)) > 0;) {
    out.append(buffer, static_cast<size_t>(n));
  }
  close(file);
  return out;
}

// The line without its timestamp's value.
std::string WithoutTime(const std::string& line) {
  const std::string prefix = "{\"ts\":\"";
  EXPECT_EQ(line.compare(0, prefix.size(), prefix), 0) << line;
  const size_t end = line.find('"', prefix.size());
  EXPECT_EQ(end - prefix.size(), 24u) << line;  // 2026-01-02T03:04:05.678Z
  return "{\"ts\":\"T" + line.substr(end);
}

TEST(LogJson, TsLevelMsgThenTheFieldsInKeyOrder) {
  const std::string line = Captured([] {
    LogJson(LogLevel::kInfo, "request",
            {{"method", "/a.B/C"}, {"code", 0}, {"latency_ms", 0.25}});
  });
  EXPECT_EQ(WithoutTime(line),
            "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"request\","
            "\"code\":0,\"latency_ms\":0.25,\"method\":\"/a.B/C\"}\n");
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["method"], "/a.B/C");
}

// The cached part of the timestamp (up to the second) and the milliseconds
// written by hand agree with a full FormatTime of the same moment, across
// second boundaries.
TEST(LogJson, TimestampMatchesAFullFormatOfTheSameMoment) {
  for (int i = 0; i < 50; ++i) {
    const absl::Time before = absl::Now();
    const std::string line = Captured([] { LogJson(LogLevel::kInfo, "t"); });
    const absl::Time after = absl::Now();
    const std::string ts = nlohmann::json::parse(line)["ts"];
    absl::Time parsed;
    std::string error;
    ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E3SZ", ts, absl::UTCTimeZone(),
                                &parsed, &error))
        << ts << ": " << error;
    EXPECT_EQ(ts, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", parsed,
                                   absl::UTCTimeZone()));
    EXPECT_GE(parsed, absl::FromUnixMillis(absl::ToUnixMillis(before)));
    EXPECT_LE(parsed, after);
    absl::SleepFor(absl::Milliseconds(23));
  }
}

// The text builder writes what the map form writes for the same fields in
// key order: escapes, numbers, and invalid UTF-8 replaced.
TEST(LogJson, FieldsBuiltAsTextMatchTheMapForm) {
  const std::string odd =
      "quote\" back\\ tab\t nl\n ctl\x01 \xe2\x80\xa8 \xff end";
  const std::string as_text = Captured([&] {
    LogJsonFields(
        LogLevel::kError, "request",
        LogFields()
            .Add("code", int64_t{16})
            .Add("error_code", "INVALID_ACCESS_TOKEN")
            .Add("internal_error", odd)
            .AddMillis("latency_ms", absl::Microseconds(123))
            .Add("method", "/identity.v1.TokenService/ValidateAccessToken")
            .Add("request_id", std::string("r\xc3\xa9q")));
  });
  const std::string as_map = Captured([&] {
    LogJson(LogLevel::kError, "request",
            {{"method", "/identity.v1.TokenService/ValidateAccessToken"},
             {"code", 16},
             {"latency_ms", 0.123},
             {"internal_error", odd},
             {"error_code", "INVALID_ACCESS_TOKEN"},
             {"request_id", std::string("r\xc3\xa9q")}});
  });
  EXPECT_EQ(WithoutTime(as_text), WithoutTime(as_map));
  const nlohmann::json parsed = nlohmann::json::parse(as_text);
  EXPECT_EQ(parsed["code"], 16);
  EXPECT_EQ(parsed["request_id"], "r\xc3\xa9q");
}

TEST(LogJson, NoFieldsAsText) {
  EXPECT_EQ(WithoutTime(Captured([] {
              LogJsonFields(LogLevel::kInfo, "started", LogFields());
            })),
            "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"started\"}\n");
}

TEST(LogJson, NoFields) {
  EXPECT_EQ(WithoutTime(Captured(
                [] { LogJson(LogLevel::kWarning, "hi \"there\"", {}); })),
            "{\"ts\":\"T\",\"level\":\"warning\",\"msg\":\"hi "
            "\\\"there\\\"\"}\n");
}

TEST(LogJson, AFieldNamedLikeTheHeaderWins) {
  const std::string line = Captured([] {
    LogJson(LogLevel::kError, "m", {{"msg", "mine"}, {"z", 1}});
  });
  EXPECT_EQ(WithoutTime(line),
            "{\"ts\":\"T\",\"level\":\"error\",\"msg\":\"mine\",\"z\":1}\n");
}

TEST(LogJson, InvalidUtf8IsReplacedNotThrown) {
  const std::string line = Captured([] {
    LogJson(LogLevel::kInfo, "bad \xff", {{"value", std::string("x\xfe")}});
  });
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["msg"], "bad \xEF\xBF\xBD");
  EXPECT_EQ(parsed["value"], "x\xEF\xBF\xBD");
}

TEST(LogJson, TheMessageIsEscapedAsJson) {
  const std::string odd = "quote\" back\\ tab\t nl\n ctl\x01 \xe2\x80\xa8 end";
  const std::string line =
      Captured([&] { LogJsonFields(LogLevel::kInfo, odd, LogFields()); });
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;  // one line
  EXPECT_EQ(nlohmann::json::parse(line)["msg"], odd);
}

TEST(LogJson, MillisecondsToTheMicrosecond) {
  const std::string line = Captured([] {
    LogJsonFields(LogLevel::kInfo, "request",
                  LogFields()
                      .AddMillis("a", absl::Microseconds(12034))
                      .AddMillis("b", absl::Microseconds(7))
                      .AddMillis("c", absl::Nanoseconds(999))
                      .AddMillis("d", absl::Seconds(-1))
                      .AddMillis("e", absl::Milliseconds(1500)));
  });
  EXPECT_EQ(WithoutTime(line),
            "{\"ts\":\"T\",\"level\":\"info\",\"msg\":\"request\",\"a\":12.034,"
            "\"b\":0.007,\"c\":0.000,\"d\":0.000,\"e\":1500.000}\n");
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(line)["a"].get<double>(), 12.034);
}

TEST(LogJson, BelowTheMinimumLevelNothing) {
  SetMinimumLogLevel(LogLevel::kWarning);
  EXPECT_EQ(Captured([] { LogJson(LogLevel::kInfo, "quiet", {}); }), "");
  SetMinimumLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace latchkey::service
