#ifndef SERVICE_GATEWAY_HTTP_SERVER_H_
#define SERVICE_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/pipeline/trusted_proxies.h"

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
  // Open connections from one peer address (an IPv4-mapped IPv6 peer counts
  // as its IPv4 address); more: 503 and close. 0: no cap. Keeps one
  // address from taking every slot of max_connections.
  int max_connections_per_address = 256;
  // Peers exempt from max_connections_per_address: load balancers, whose
  // one address every client behind them shares (those clients are told
  // apart per request, by X-Forwarded-For, which is not known at accept).
  TrustedProxies uncapped_peers;
  // After answering early (413, 431, 414, 400, 408, 503) while request
  // bytes are still coming, the server stops sending, then reads and
  // discards what the client still sends, up to these bounds, before it
  // closes: closing with unread input sends a TCP reset, and the client
  // could lose the answer. The byte bound covers what a client that stops
  // on seeing the answer may already have queued (Linux lets one socket
  // queue 4 MiB); the time bound is what cuts off one that never stops.
  size_t drain_max_bytes = 8 * 1024 * 1024;
  absl::Duration drain_timeout = absl::Seconds(2);
  int io_threads = 2;
};

// HTTPS: the certificate chain and key files, re-read every `refresh`; a
// changed pair that loads serves new connections from then on.
struct HttpTls {
  std::string cert_file;
  std::string key_file;
  absl::Duration refresh = absl::Seconds(1);
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
  kBodyTooLarge,        // 413
  kHeadersTooLarge,     // 431
  kUrlTooLong,          // 414
  kTooManyConnections,  // 503
  kMalformed,           // 400
  kTimeout,             // 408
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

  // Listens on HOST:PORT (port 0 picks one), with TLS when `tls` is given.
  // UNAVAILABLE when the address cannot be bound, INVALID_ARGUMENT when it
  // cannot be parsed, FAILED_PRECONDITION when the TLS files do not load.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      absl::string_view address, HttpLimits limits, Handler handler,
      LimitResponder limit_responder,
      std::optional<HttpTls> tls = std::nullopt);

  // Shutdown(absl::ZeroDuration()).
  ~HttpServer();

  int port() const;
  int active_connections() const;
  // Open connections counted against max_connections_per_address for
  // `address` (0 when none, or when that peer is uncapped).
  int active_connections_from(absl::string_view address) const;
  // accept() calls that failed (descriptors or memory exhausted, and the
  // like). While they fail the server retries after a growing pause (10 ms
  // doubling up to 1 s) rather than at once. For monitoring and tests.
  uint64_t accept_failures() const;

  // Stops accepting, closes idle connections, lets requests in progress
  // finish for up to `grace`, then closes everything. Idempotent.
  void Shutdown(absl::Duration grace);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The process's descriptor limit (RLIMIT_NOFILE) after
// RaiseDescriptorLimit.
struct DescriptorLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Each connection holds a descriptor, so a soft limit below the connections
// allowed makes accept() fail (EMFILE) long before the server is full.
// Raises the soft limit to min(hard, needed) when it is below `needed`, and
// returns the limits then in effect; the caller warns when soft < needed.
// INTERNAL when the limits cannot be read or set.
absl::StatusOr<DescriptorLimit> RaiseDescriptorLimit(uint64_t needed);

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_HTTP_SERVER_H_
