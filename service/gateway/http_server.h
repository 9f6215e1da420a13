#ifndef SERVICE_GATEWAY_HTTP_SERVER_H_
#define SERVICE_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace latchkey::service::gateway {

struct HttpLimits {
  size_t max_body_bytes = 1024 * 1024;  // larger: 413
  size_t max_header_bytes = 16 * 1024;  // request line + headers; larger: 431
  int max_header_count = 100;           // more: 431
  size_t max_url_bytes = 8 * 1024;      // longer: 414
  // From the first byte of a request to its last.
  absl::Duration request_read_timeout = absl::Seconds(10);
  // How long a keep-alive connection may wait for its next request.
  absl::Duration idle_timeout = absl::Seconds(30);
  int max_connections = 4096;  // more: 503 and close
  int io_threads = 2;
};

// One HTTP request, fully read.
struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  // Header names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string client_ip;

  // The first value of a header (name in lower case), or empty.
  absl::string_view Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whether the connection may stay open for another request.
  bool keep_alive = true;
};

// Why the server answered a request itself, without the handler.
enum class HttpLimitError {
  kBodyTooLarge,       // 413
  kHeadersTooLarge,    // 431
  kUrlTooLong,         // 414
  kTooManyConnections, // 503
  kMalformed,          // 400
  kTimeout,            // 408
};

// An HTTP/1.1 server on Boost.Beast and Asio: keep-alive, pipelining (one
// response at a time, in order), the limits above, and a few I/O threads
// for any number of connections (no thread per connection). The handler
// runs on an I/O thread and must not block: it answers by calling
// `respond` exactly once, from any thread. Thread-safe.
class HttpServer {
 public:
  using Respond = std::function<void(HttpResponse)>;
  using Handler = std::function<void(HttpRequest, Respond)>;
  // Formats the answers to HttpLimitError (the gateway writes them in
  // Stack's JSON error shape).
  using LimitResponder = std::function<HttpResponse(HttpLimitError)>;

  // Listens on HOST:PORT (port 0 picks one). UNAVAILABLE when the address
  // cannot be bound, INVALID_ARGUMENT when it cannot be parsed.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      absl::string_view address, HttpLimits limits, Handler handler,
      LimitResponder limit_responder);

  // Shutdown(absl::ZeroDuration()).
  ~HttpServer();

  int port() const;
  int active_connections() const;

  // Stops accepting, closes idle connections, lets requests in progress
  // finish for up to `grace`, then closes everything. Idempotent.
  void Shutdown(absl::Duration grace);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_HTTP_SERVER_H_
