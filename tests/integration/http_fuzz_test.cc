// Bounded mutation fuzzing of the whole REST path: raw bytes on a socket
// through the HTTP server, the router, the binder, request authentication
// and the methods, against a complete latchkeyd in this process. The
// gateway's own fuzz target covers its parsers one by one; this one covers
// what lies between them and the pipeline (headers turned into request
// metadata, the in-process call), where a header name HTTP allows but gRPC
// does not once aborted the process. An abort here ends the test binary,
// so "the server survives" needs no separate check.
//
// Seeds are tests/integration/testdata/http_corpus (LF line ends, sent as
// CRLF). Properties: every request gets a well-formed HTTP answer or a
// closed connection, never a 500, and the server still serves afterwards.
// LATCHKEY_FUZZ_ITERATIONS and LATCHKEY_FUZZ_SEED override the defaults.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "common/testing/fuzzing.h"
#include "gtest/gtest.h"
#include "tests/integration/test_app.h"

namespace latchkey::testing {
namespace {

using common::testing::EnvOr;
using common::testing::Mutate;
using common::testing::ReadFiles;
using common::testing::RunfilesPath;

// What came back for one request.
struct Exchange {
  std::string answer;
  bool timed_out = false;
};

// Sends `request`, half-closes (so a request cut short ends at EOF instead
// of waiting for bytes that never come), and reads until the server closes.
Exchange Send(int port, const std::string& request) {
  Exchange exchange;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return exchange;
  }
  // A send cut short by an early answer and close is fine: what matters is
  // what the server said.
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  pollfd readable = {fd, POLLIN, 0};
  char buffer[8192];
  while (true) {
    if (poll(&readable, 1, 15000) <= 0) {
      exchange.timed_out = true;
      break;
    }
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    exchange.answer.append(buffer, n);
  }
  close(fd);
  return exchange;
}

// Puts one byte HTTP allows in a header name (but gRPC metadata does not)
// into the name of a random header line, so the fuzzer tries what the
// attack found far more often than random flips would.
std::string MutateHeaderName(std::mt19937_64& random, std::string request) {
  static constexpr char kTokenBytes[] = "!#$%&'*+^`|~.-_";
  std::vector<size_t> line_starts;
  for (size_t at = request.find("\r\n"); at != std::string::npos;
       at = request.find("\r\n", at + 2)) {
    if (at + 2 < request.size() && request[at + 2] != '\r') {
      line_starts.push_back(at + 2);
    }
  }
  if (line_starts.empty()) return request;
  const size_t start = line_starts[random() % line_starts.size()];
  const size_t colon = request.find(':', start);
  if (colon == std::string::npos || colon == start) return request;
  const size_t at = start + random() % (colon - start);
  request.insert(at, 1, kTokenBytes[random() % (sizeof(kTokenBytes) - 1)]);
  return request;
}

TEST(HttpFuzz, EveryRequestIsAnsweredWithoutAServerError) {
  auto app = TestApp::Start();
  ASSERT_TRUE(app.ok()) << app.status();
  const int port = (*app)->http_port();

  std::vector<std::string> seeds =
      ReadFiles(RunfilesPath("tests/integration/testdata/http_corpus"));
  ASSERT_GE(seeds.size(), 5u);
  for (std::string& seed : seeds)
    seed = absl::StrReplaceAll(seed, {{"\n", "\r\n"}});

  std::mt19937_64 random(EnvOr("LATCHKEY_FUZZ_SEED", 4));
  const uint64_t iterations = EnvOr("LATCHKEY_FUZZ_ITERATIONS", 1500);
  int answered = 0, success = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    const std::string& seed = seeds[i % seeds.size()];
    std::string request;
    switch (i % 3) {
      case 0:
        request = MutateHeaderName(random, seed);
        break;
      case 1:
        request = Mutate(random, seed, seeds[(i * 7 + 3) % seeds.size()]);
        break;
      default:
        request = MutateHeaderName(
            random, Mutate(random, seed, seeds[(i * 5 + 1) % seeds.size()]));
        break;
    }
    const Exchange exchange = Send(port, request);
    ASSERT_FALSE(exchange.timed_out) << "no answer and no close for:\n"
                                     << request;
    if (exchange.answer.empty()) continue;
    ++answered;
    ASSERT_EQ(exchange.answer.rfind("HTTP/1.1 ", 0), 0u)
        << "request:\n"
        << request << "\nanswer:\n"
        << exchange.answer;
    const int status = std::atoi(exchange.answer.c_str() + 9);
    ASSERT_GE(status, 100) << exchange.answer;
    ASSERT_LT(status, 600) << exchange.answer;
    ASSERT_NE(status, 500) << "request:\n"
                           << request << "\nanswer:\n"
                           << exchange.answer;
    if (status < 300) ++success;
  }
  // The mutations leave many requests valid: the pipeline was reached.
  EXPECT_GT(answered, static_cast<int>(iterations / 2));
  EXPECT_GT(success, 0);

  const Exchange after =
      Send(port,
           "GET /api/v1/projects/internal/.well-known/jwks.json HTTP/1.1\r\n"
           "Host: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(after.answer.rfind("HTTP/1.1 200 ", 0), 0u) << after.answer;
}

}  // namespace
}  // namespace latchkey::testing
