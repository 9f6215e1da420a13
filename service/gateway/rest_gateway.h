#ifndef SERVICE_GATEWAY_REST_GATEWAY_H_
#define SERVICE_GATEWAY_REST_GATEWAY_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/gateway/http_server.h"
#include "service/gateway/route_table.h"
#include "service/pipeline/call_runner.h"
#include "service/pipeline/method_catalog.h"
#include "service/pipeline/trusted_proxies.h"

namespace latchkey::service::gateway {

// The REST/JSON door to the same methods as gRPC: a generic transcoder
// driven by each RPC's google.api.http annotation and identity.v1.access
// option. It owns no business logic and knows nothing of the server: it
// routes, binds the request message, and hands the call to the CallRunner,
// the same pipeline the gRPC adapter uses, so authentication, validation
// and errors are identical on both doors. Speaks Stack Auth's dialect
// (docs/stack-wire-format.md): header aliases, CORS, status codes, error
// bodies. Thread-safe.
class RestGateway {
 public:
  struct Options {
    std::string http_address = "127.0.0.1:0";
    HttpLimits limits;
    // Deadline of the call behind each request.
    absl::Duration call_deadline = absl::Seconds(30);
    // GET /readyz answers 200 while this returns true.
    std::function<bool()> ready;
    // Peers whose X-Forwarded-For names the client (per-address limits);
    // also exempt from the HTTP server's per-address connection cap.
    TrustedProxies trusted_proxies;
    // HTTPS instead of HTTP when set.
    std::optional<HttpTls> tls;
  };

  // Listen, then Serve. FAILED_PRECONDITION when two RPCs claim one route
  // or a template does not parse; UNAVAILABLE when the address is taken.
  static absl::StatusOr<std::unique_ptr<RestGateway>> Start(
      const MethodCatalog& catalog, CallRunner& runner, Options options);

  // Binds the address and answers 503 until Serve is called, so that the
  // port (e.g. a port 0 choice) is known before the server is assembled.
  static absl::StatusOr<std::unique_ptr<RestGateway>> Listen(Options options);

  // Builds the route table from `catalog` (every RPC, every binding) and
  // starts answering through `runner`. Both must outlive the gateway's
  // Shutdown. Call once.
  absl::Status Serve(const MethodCatalog& catalog, CallRunner& runner);

  ~RestGateway();

  int port() const { return http_->port(); }
  int active_connections() const { return http_->active_connections(); }

  // Stops accepting; requests in progress get `grace` to finish.
  void Shutdown(absl::Duration grace) { http_->Shutdown(grace); }

  // One route per RPC binding, for documentation and tests.
  struct Target {
    const CatalogMethod* method = nullptr;
    std::string http_method;
    std::string path_template;
    std::string body_field;
  };
  const std::vector<Target>& targets() const { return targets_; }

 private:
  RestGateway() = default;
  void Handle(HttpRequest request, HttpServer::Respond respond);
  void Call(const Target& target, RouteTable::Match match, HttpRequest request,
            HttpServer::Respond respond);
  // GET (any method) /forward-auth: the request as an ext_authz Check.
  void ForwardAuth(HttpRequest request, HttpServer::Respond respond);

  Options options_;
  std::atomic<bool> serving_{false};
  std::vector<Target> targets_;
  std::unique_ptr<const RouteTable> routes_;
  CallRunner* runner_ = nullptr;
  // Envoy's Authorization.Check when the catalog serves it (forward auth).
  const CatalogMethod* check_method_ = nullptr;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_REST_GATEWAY_H_
