#ifndef SERVICE_GATEWAY_FORWARD_AUTH_H_
#define SERVICE_GATEWAY_FORWARD_AUTH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "service/gateway/http_server.h"
#include "service/pipeline/call_runner.h"

namespace latchkey::service::gateway {

// The forward-auth endpoint for reverse proxies (nginx auth_request, Caddy
// forward_auth, Traefik forwardAuth, Envoy's HTTP ext_authz): any method on
// this path, or under it (Envoy's path_prefix appends the original path).
inline constexpr absl::string_view kForwardAuthPath = "/forward-auth";

// The full name of the method the endpoint calls: forward auth is a
// translation of the HTTP request into Envoy's CheckRequest, decided by the
// same policy and pipeline as ext_authz over gRPC.
inline constexpr absl::string_view kCheckMethod =
    "envoy.service.auth.v3.Authorization.Check";

bool IsForwardAuthPath(absl::string_view path);

// The CheckRequest for a proxy's verify request:
//  - headers: all of the request's (lower-case, repeats comma-joined),
//    which the proxies copy from the original request;
//  - method and path: X-Forwarded-Method / X-Forwarded-Uri (Caddy,
//    Traefik), else X-Original-Method / X-Original-URI (nginx, as its
//    config sets them), else the request's own method and what follows
//    /forward-auth (Envoy HTTP); host from X-Forwarded-Host, else Host;
//  - the route's requirements from the query string, which the proxy
//    config sets: permission, team_header, allow_anonymous,
//    allow_restricted, project_id (as the latchkey.* context extensions).
// A value whose escapes are malformed is taken as written (fails closed:
// no permission has such a name).
envoy::service::auth::v3::CheckRequest CheckRequestFor(
    const HttpRequest& request);

// The proxy's answer: 200 with the identity headers (x-latchkey-*) for an
// allowed check; the denial's 401 or 403 with its headers and Stack's error
// body; for a call that failed to decide (`status` not OK), its error in
// Stack's form (5xx: the proxy fails closed).
HttpResponse ForwardAuthAnswer(
    const absl::Status& status,
    const envoy::service::auth::v3::CheckResponse& response);

// One forward-auth request as a call of the pipeline.
class ForwardAuthCall : public PendingCall {
 public:
  ForwardAuthCall(HttpRequest request, HttpServer::Respond respond,
                  std::string request_id)
      : request_(std::move(request)),
        respond_(std::move(respond)),
        request_id_(std::move(request_id)) {}

  absl::Status ReadRequest(google::protobuf::Message& message) override;
  void Finish(const absl::Status& status,
              const google::protobuf::Message& response) override;

 private:
  HttpRequest request_;
  HttpServer::Respond respond_;
  std::string request_id_;
};

}  // namespace latchkey::service::gateway

#endif  // SERVICE_GATEWAY_FORWARD_AUTH_H_
