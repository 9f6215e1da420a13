#ifndef SERVICE_RUNTIME_HTTP_CLIENT_H_
#define SERVICE_RUNTIME_HTTP_CLIENT_H_

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace latchkey::service {

// An outbound HTTP request (to an OAuth provider's token, user-info or
// discovery endpoint).
struct OutboundRequest {
  std::string method = "GET";
  std::string url;
  // Sent as given; names are not checked beyond having no CR/LF.
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent only for POST (and any method other than GET/HEAD) when non-empty.
  std::string body;
};

struct OutboundResponse {
  int status = 0;
  // Names lower-cased, in arrival order (of the final response only).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (lower case).
  std::optional<std::string> Header(absl::string_view name) const;
};

// Sends one request and waits for its answer. Implementations are
// thread-safe. Redirects are never followed (an OAuth endpoint that
// redirects is misconfigured, and following would leak credentials).
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // The response, whatever its status. Errors:
  //  - INVALID_ARGUMENT: the URL is malformed, or its scheme is not allowed
  //    (https always; http only to a loopback host when the client allows
  //    it, for tests);
  //  - DEADLINE_EXCEEDED: a timeout (connect or total);
  //  - RESOURCE_EXHAUSTED: the body exceeded the size limit;
  //  - UNAVAILABLE: anything else on the way (DNS, TLS verification,
  //    connection refused or reset).
  virtual absl::StatusOr<OutboundResponse> Send(
      const OutboundRequest& request) const = 0;
};

struct CurlHttpClientOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  // For the whole exchange, connect included.
  absl::Duration total_timeout = absl::Seconds(10);
  // Bodies longer than this are refused (RESOURCE_EXHAUSTED), read no
  // further.
  size_t max_response_bytes = 1 << 20;
  // Allows http:// to 127.0.0.0/8, [::1] and localhost; for tests against
  // a local identity provider. HTTPS is verified (peer and host name)
  // either way.
  bool allow_loopback_http = false;
  // Allows connections to addresses that are not public: private networks,
  // loopback, link-local (cloud metadata services), carrier-grade NAT,
  // multicast and reserved ranges. Off by default, because the URLs this
  // client fetches come from project administrators and from what their
  // identity providers publish (an OIDC discovery document names the
  // token and user endpoints): without this check, anyone who can
  // configure a project could make latchkeyd send requests into the
  // network it runs in. The address is checked after DNS resolution, just
  // before connecting, so a DNS answer cannot slip one past. Loopback is
  // also allowed with allow_loopback_http.
  bool allow_private_networks = false;
  // A CA bundle to trust instead of the system's (tests); empty: system.
  std::string ca_file;
};

// Whether `address` (AF_INET or AF_INET6) is a public unicast address, the
// only kind the client connects to unless told otherwise. IPv4-mapped and
// NAT64 IPv6 addresses are judged by the IPv4 address they carry.
bool IsPublicAddress(const struct sockaddr* address);

// Whether `address` is a loopback address (127.0.0.0/8, ::1, or ::1's
// IPv4-mapped twin).
bool IsLoopbackAddress(const struct sockaddr* address);

// Whether `url` is one the client may fetch under `allow_loopback_http`:
// https://host..., or http://<loopback>... when allowed. Exposed for
// callers that validate configuration early.
bool IsAllowedOutboundUrl(absl::string_view url, bool allow_loopback_http);

// HttpClient over libcurl (one easy handle per request; no shared state but
// the options). Protocols are limited to HTTP and HTTPS, redirects off.
class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options);

  absl::StatusOr<OutboundResponse> Send(
      const OutboundRequest& request) const override;

 private:
  const CurlHttpClientOptions options_;
};

// `text` percent-encoded for a URL query or an
// application/x-www-form-urlencoded body: every byte but the RFC 3986
// unreserved ones (letters, digits, '-', '.', '_', '~') becomes %XX.
std::string UrlEncodeComponent(absl::string_view text);

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_HTTP_CLIENT_H_
