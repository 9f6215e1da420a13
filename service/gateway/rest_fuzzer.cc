// libFuzzer target: the whole REST path from raw bytes. Each input is sent
// as is on a TCP connection (then half-closed) to a RestGateway in this
// process: the HTTP parser and its limits, keep-alive and pipelining, the
// route match over the contract's real routes, header aliases and request
// metadata, binding (path, query, JSON and form bodies), the JSON reader,
// the contract's field validation (ValidateRequest, for the access type the
// request names) and a fake handler table (every method answers its empty
// response), then the JSON writer and Stack's error shape on the way out.
// No database: authentication, which needs projects and keys, is replaced
// by reading the access type header; tests/integration/http_fuzz_test
// covers it against a whole server.
//
// Properties: every answer starts with an HTTP/1.x status line, none is a
// 500 (nothing behind the gateway fails here, so a 500 is the gateway's
// own bug), and the server answers or closes (never hangs).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "service/errors/api_error.h"
#include "service/gateway/rest_gateway.h"
#include "service/pipeline/call_runner.h"
#include "service/pipeline/method_catalog.h"
#include "service/pipeline/request_metadata.h"
#include "service/pipeline/request_validator.h"

namespace {

using latchkey::service::CallEnvelope;
using latchkey::service::CallRunner;
using latchkey::service::CatalogMethod;
using latchkey::service::MethodCatalog;
using latchkey::service::PendingCall;
using latchkey::service::RequestMetadata;
using latchkey::service::gateway::RestGateway;

// The access type the request names, as validation needs it (server_only
// fields); client for anything else.
identity::v1::AccessType AccessType(const CallEnvelope& envelope) {
  const absl::string_view type =
      envelope.metadata.Get(RequestMetadata::kAccessType).value_or("");
  if (type == "server") return identity::v1::ACCESS_TYPE_SERVER;
  if (type == "admin") return identity::v1::ACCESS_TYPE_ADMIN;
  return identity::v1::ACCESS_TYPE_CLIENT;
}

// The pipeline's read-validate-dispatch stages with a handler table whose
// every method answers its empty response at once, on the calling thread.
class FakeHandlerRunner : public CallRunner {
 public:
  explicit FakeHandlerRunner(const MethodCatalog& catalog)
      : catalog_(catalog) {}

  void Submit(const google::protobuf::MethodDescriptor& method,
              CallEnvelope envelope,
              std::unique_ptr<PendingCall> call) override {
    const CatalogMethod* binding = catalog_.Find(method);
    if (binding == nullptr) std::abort();  // the gateway routes only these
    google::protobuf::Arena arena;
    google::protobuf::Message* request =
        binding->request_prototype->New(&arena);
    google::protobuf::Message* response =
        binding->response_prototype->New(&arena);
    absl::Status status = call->ReadRequest(*request);
    if (status.ok()) {
      status =
          latchkey::service::ValidateRequest(*request, AccessType(envelope));
    }
    call->Finish(latchkey::service::ToPublicError(status), *response);
  }

 private:
  const MethodCatalog& catalog_;
};

struct Server {
  Server() {
    catalog =
        std::move(*MethodCatalog::Create(MethodCatalog::IdentityServices()));
    runner = std::make_unique<FakeHandlerRunner>(*catalog);
    RestGateway::Options options;
    options.http_address = "127.0.0.1:0";
    options.limits.io_threads = 1;
    options.ready = [] { return true; };
    auto started = RestGateway::Start(*catalog, *runner, options);
    if (!started.ok()) {
      std::fprintf(stderr, "rest_fuzzer: %s\n",
                   std::string(started.status().message()).c_str());
      std::abort();
    }
    gateway = std::move(*started);
  }
  std::unique_ptr<const MethodCatalog> catalog;
  std::unique_ptr<FakeHandlerRunner> runner;
  std::unique_ptr<RestGateway> gateway;
};

// Sends `bytes`, half-closes, reads until the server closes. Aborts when
// the server neither answers nor closes within 50 s: its own bounds close
// any connection within 30 s (10 s to read a request, 30 s idle), and 50 s
// stays under the 60 s that ./tools/dev fuzz gives libFuzzer per input.
// libFuzzer's -timeout works by SIGALRM, which interrupts poll() and
// read() (EINTR, never restarted): those are waited out, not taken for a
// hang. (Taking them for one was the cause of the "no answer" aborts seen
// under load, where most of the time is spent in poll().)
std::string Exchange(int port, const uint8_t* data, size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    std::abort();
  }
  // The server may answer early (413, 431) and stop reading: a short send
  // is fine, what matters is the answer.
  (void)send(fd, data, size, MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  std::string answer;
  pollfd readable = {fd, POLLIN, 0};
  char buffer[16384];
  const absl::Time deadline = absl::Now() + absl::Seconds(50);
  while (true) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) {
      std::fprintf(stderr, "rest_fuzzer: no answer and no close in 50 s\n");
      std::abort();
    }
    const int ready = poll(&readable, 1, static_cast<int>(left_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      std::perror("rest_fuzzer: poll");
      std::abort();
    }
    if (ready == 0) continue;  // the deadline check above decides
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = new Server();
  if (size > 256 * 1024) return 0;
  const std::string answer = Exchange(server->gateway->port(), data, size);
  if (answer.empty()) return 0;  // closed without a word: allowed
  // Each (pipelined) answer starts with a status line, in the request's
  // HTTP version (1.0 or 1.1); a 500 is a gateway bug.
  if (!absl::StartsWith(answer, "HTTP/1.")) std::abort();
  for (size_t at = 0; at != std::string::npos;
       at = answer.find("\r\nHTTP/1.", at + 1)) {
    const size_t code = answer.find("HTTP/1.", at) + 9;
    if (answer.compare(code, 3, "500") == 0) {
      std::fprintf(stderr, "rest_fuzzer: answered 500\n");
      std::abort();
    }
  }
  return 0;
}
