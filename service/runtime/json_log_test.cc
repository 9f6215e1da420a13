#include "service/runtime/json_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

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

TEST(LogJson, BelowTheMinimumLevelNothing) {
  SetMinimumLogLevel(LogLevel::kWarning);
  EXPECT_EQ(Captured([] { LogJson(LogLevel::kInfo, "quiet", {}); }), "");
  SetMinimumLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace latchkey::service
