#include "service/gateway/rest_gateway.h"

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "service/errors/api_error.h"
#include "service/gateway/forward_auth.h"
#include "service/gateway/request_binder.h"
#include "service/gateway/stack_error.h"
#include "service/json/json_writer.h"
#include "service/pipeline/request_metadata.h"
#include "service/runtime/request_id.h"
#include "tools/openapi/openapi_document.h"

namespace latchkey::service::gateway {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr char kNoStore[] = "no-store, max-age=0";
constexpr char kAllowHeaders[] =
    "content-type, authorization, x-stack-project-id, x-stack-branch-id, "
    "x-stack-access-type, x-stack-publishable-client-key, "
    "x-stack-secret-server-key, x-stack-super-secret-admin-key, "
    "x-stack-admin-access-token, x-stack-access-token, x-stack-refresh-token, "
    "x-stack-allow-anonymous-user, x-stack-allow-restricted-user, "
    "x-stack-client-version, x-stack-random-nonce, "
    "x-stack-override-error-status, x-hexclave-project-id, "
    "x-hexclave-branch-id, x-hexclave-access-type, "
    "x-hexclave-publishable-client-key, x-hexclave-secret-server-key, "
    "x-hexclave-super-secret-admin-key, x-hexclave-admin-access-token, "
    "x-hexclave-access-token, x-hexclave-refresh-token, "
    "x-hexclave-allow-anonymous-user, x-hexclave-allow-restricted-user, "
    "x-hexclave-client-version, x-hexclave-random-nonce, "
    "x-hexclave-override-error-status";
constexpr char kExposeHeaders[] =
    "content-type, x-stack-actual-status, x-stack-known-error";

constexpr char kAbout[] =
    "Latchkey identity API (Stack Auth compatible).\n"
    "\n"
    "Every route is under /api/v1. Name your project and access type in\n"
    "headers: x-stack-project-id, x-stack-access-type (client, server or\n"
    "admin), plus x-stack-publishable-client-key, x-stack-secret-server-key "
    "or\n"
    "x-stack-super-secret-admin-key as the access type requires; a signed-in\n"
    "user's token goes in x-stack-access-token or authorization: Bearer.\n"
    "The same methods are served over gRPC (package identity.v1, with server\n"
    "reflection). The OpenAPI document: GET /api/v1/openapi.json. See\n"
    "README.md.\n"
    "\n"
    "Authentication: None\n";

void AddCors(HttpResponse& response) {
  response.headers.emplace_back("access-control-allow-origin", "*");
  response.headers.emplace_back("access-control-expose-headers",
                                kExposeHeaders);
}

HttpResponse Plain(
    int status, std::string body,
    absl::string_view content_type = "text/plain; charset=utf-8") {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("x-stack-request-id", NewRequestId());
  response.headers.emplace_back("content-type", std::string(content_type));
  response.headers.emplace_back("cache-control", kNoStore);
  response.body = std::move(body);
  AddCors(response);
  return response;
}

// Stack's error shape plus the headers every response carries.
HttpResponse ErrorFor(const absl::Status& status, const HttpRequest* request,
                      absl::string_view request_id = "") {
  HttpResponse response = StackErrorResponse(status);
  response.headers.emplace_back("content-type", kJson);
  response.headers.emplace_back("cache-control", kNoStore);
  if (!request_id.empty()) {
    response.headers.emplace_back("x-stack-request-id",
                                  std::string(request_id));
  }
  AddCors(response);
  // Browsers cannot read 4xx bodies in some setups; the SDK asks for 200.
  if (request != nullptr && response.status >= 400 && response.status < 500) {
    RequestMetadata metadata;
    for (const auto& [key, value] : request->headers) metadata.Add(key, value);
    if (metadata.Get("x-stack-override-error-status").has_value()) {
      response.headers.emplace_back("x-stack-actual-status",
                                    std::to_string(response.status));
      response.status = 200;
    }
  }
  return response;
}

HttpResponse LimitResponse(HttpLimitError why) {
  absl::Status status;
  switch (why) {
    case HttpLimitError::kBodyTooLarge:
      status = ApiError(identity::v1::PAYLOAD_TOO_LARGE);
      break;
    case HttpLimitError::kHeadersTooLarge:
      status = ApiError(identity::v1::REQUEST_HEADER_FIELDS_TOO_LARGE);
      break;
    case HttpLimitError::kUrlTooLong:
      status = ApiError(identity::v1::URI_TOO_LONG);
      break;
    case HttpLimitError::kTooManyConnections:
      status = ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                        "Too many connections; try again.");
      break;
    case HttpLimitError::kTimeout:
      status = ApiError(identity::v1::REQUEST_TIMEOUT);
      break;
    case HttpLimitError::kMalformed:
      status = ApiError(identity::v1::BODY_PARSING_ERROR,
                        {{"message", "The HTTP request is malformed."}},
                        "The HTTP request is malformed.");
      break;
  }
  return ErrorFor(status, nullptr, NewRequestId());
}

std::vector<std::pair<std::string, std::string>> RoutesOf(
    const google::api::HttpRule& rule) {
  std::vector<std::pair<std::string, std::string>> routes;
  auto add = [&routes](const google::api::HttpRule& r) {
    switch (r.pattern_case()) {
      case google::api::HttpRule::kGet:
        routes.emplace_back("GET", r.get());
        break;
      case google::api::HttpRule::kPost:
        routes.emplace_back("POST", r.post());
        break;
      case google::api::HttpRule::kPut:
        routes.emplace_back("PUT", r.put());
        break;
      case google::api::HttpRule::kPatch:
        routes.emplace_back("PATCH", r.patch());
        break;
      case google::api::HttpRule::kDelete:
        routes.emplace_back("DELETE", r.delete_());
        break;
      case google::api::HttpRule::kCustom:
        routes.emplace_back(r.custom().kind(), r.custom().path());
        break;
      default:
        break;
    }
  };
  add(rule);
  for (const auto& extra : rule.additional_bindings()) add(extra);
  return routes;
}

std::string BodyOf(const google::api::HttpRule& rule, size_t index) {
  if (index == 0) return rule.body();
  return rule.additional_bindings(static_cast<int>(index - 1)).body();
}

}  // namespace

RestGateway::~RestGateway() {
  if (http_ != nullptr) http_->Shutdown(absl::ZeroDuration());
}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::Listen(
    Options options) {
  std::unique_ptr<RestGateway> gateway(new RestGateway());
  gateway->options_ = std::move(options);
  // At accept there is no X-Forwarded-For yet: a trusted proxy's address
  // stands for all its clients, who are told apart per request instead, so
  // the per-address connection cap does not apply to it.
  gateway->options_.limits.uncapped_peers = gateway->options_.trusted_proxies;
  RestGateway* raw = gateway.get();
  absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start(
      gateway->options_.http_address, gateway->options_.limits,
      [raw](HttpRequest request, HttpServer::Respond respond) {
        raw->Handle(std::move(request), std::move(respond));
      },
      LimitResponse, gateway->options_.tls);
  if (!http.ok()) return http.status();
  gateway->http_ = std::move(*http);
  return gateway;
}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::Start(
    const MethodCatalog& catalog, CallRunner& runner, Options options) {
  absl::StatusOr<std::unique_ptr<RestGateway>> gateway =
      Listen(std::move(options));
  if (!gateway.ok()) return gateway;
  if (absl::Status status = (*gateway)->Serve(catalog, runner); !status.ok()) {
    return status;
  }
  return gateway;
}

absl::Status RestGateway::Serve(const MethodCatalog& catalog,
                                CallRunner& runner) {
  for (const CatalogMethod& method : catalog.methods()) {
    const auto& rule =
        method.descriptor->options().GetExtension(google::api::http);
    const auto routes = RoutesOf(rule);
    for (size_t i = 0; i < routes.size(); ++i) {
      targets_.push_back(
          Target{&method, routes[i].first, routes[i].second, BodyOf(rule, i)});
    }
  }
  for (const CatalogMethod& method : catalog.methods()) {
    if (method.descriptor->full_name() == kCheckMethod) check_method_ = &method;
  }
  RouteTable::Builder builder;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& target = targets_[i];
    if (absl::Status status = builder.Add(
            target.http_method, target.path_template, static_cast<int>(i));
        !status.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          target.method->descriptor->full_name(), ": ", status.message()));
    }
  }
  routes_ = std::move(builder).Build();
  runner_ = &runner;
  // Publishes routes_ and runner_ to the I/O threads (acquire in Handle).
  serving_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

namespace {

// Whether the request names a project, an access type, a key or a user
// (either header spelling): then GET /api/v1 authenticates it.
bool CarriesCredentials(const HttpRequest& request) {
  static constexpr absl::string_view kNames[] = {"project-id",
                                                 "access-type",
                                                 "publishable-client-key",
                                                 "secret-server-key",
                                                 "super-secret-admin-key",
                                                 "admin-access-token",
                                                 "access-token"};
  for (const auto& [name, value] : request.headers) {
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, "x-stack-") &&
        !absl::ConsumePrefix(&rest, "x-hexclave-")) {
      continue;
    }
    for (absl::string_view known : kNames) {
      if (absl::EqualsIgnoreCase(rest, known)) return true;
    }
  }
  return false;
}

}  // namespace

void RestGateway::Handle(HttpRequest request, HttpServer::Respond respond) {
  if (!serving_.load(std::memory_order_acquire)) {
    return respond(ErrorFor(ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                                     "The server is starting; try again."),
                            &request, NewRequestId()));
  }
  absl::string_view target = request.target;
  const size_t question = target.find('?');
  absl::string_view path = target.substr(0, question);

  // Proxies ask with the original request's method (any), and answer only
  // 2xx, 401 or 403 meaningfully: no CORS, no route table.
  if (check_method_ != nullptr && IsForwardAuthPath(path)) {
    return ForwardAuth(std::move(request), std::move(respond));
  }
  if (request.method == "OPTIONS") {
    HttpResponse response;
    response.status = 204;
    response.headers.emplace_back("access-control-allow-origin", "*");
    response.headers.emplace_back("access-control-allow-methods",
                                  "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    response.headers.emplace_back("access-control-allow-headers",
                                  kAllowHeaders);
    response.headers.emplace_back("access-control-expose-headers",
                                  kExposeHeaders);
    response.headers.emplace_back("access-control-max-age", "86400");
    response.headers.emplace_back("x-stack-request-id", NewRequestId());
    response.headers.emplace_back("cache-control", kNoStore);
    return respond(std::move(response));
  }
  if (request.method == "GET") {
    if (path == "/api/v1" || path == "/api/v1/") {
      // With credentials the route authenticates like any other
      // (ProjectService.DescribeCaller); without, it describes the API.
      if (CarriesCredentials(request)) {
        RouteTable::Match match = routes_->Find("GET", "/api/v1");
        if (match.outcome == RouteTable::Outcome::kMatched) {
          return Call(targets_[match.target], std::move(match),
                      std::move(request), std::move(respond));
        }
      }
      if (question != absl::string_view::npos && question + 1 < target.size()) {
        return respond(
            ErrorFor(SchemaError("GET /api/v1 takes no query parameters"),
                     &request, NewRequestId()));
      }
      return respond(Plain(200, kAbout));
    }
    if (path == "/api/v1/openapi.json") {
      // Generated from the contract at build time (tools/openapi).
      return respond(Plain(200, std::string(openapi::OpenApiJson()), kJson));
    }
    if (path == "/healthz") return respond(Plain(200, "ok\n"));
    if (path == "/readyz") {
      const bool ready = !options_.ready || options_.ready();
      return respond(
          Plain(ready ? 200 : 503, ready ? "ready\n" : "not ready\n"));
    }
  }

  RouteTable::Match match = routes_->Find(request.method, path);
  switch (match.outcome) {
    case RouteTable::Outcome::kMatched:
      return Call(targets_[match.target], std::move(match), std::move(request),
                  std::move(respond));
    case RouteTable::Outcome::kMethodNotAllowed: {
      HttpResponse response = ErrorFor(
          ApiError(identity::v1::METHOD_NOT_ALLOWED,
                   {{"method", request.method},
                    {"allowed_methods",
                     absl::StrCat("[\"",
                                  absl::StrJoin(match.allowed_methods, "\",\""),
                                  "\"]")}},
                   absl::StrCat(
                       request.method, " is not allowed on ", path, "; use ",
                       absl::StrJoin(match.allowed_methods, ", "), ".")),
          &request, NewRequestId());
      response.headers.emplace_back("allow",
                                    absl::StrJoin(match.allowed_methods, ", "));
      return respond(std::move(response));
    }
    case RouteTable::Outcome::kBadPath:
    case RouteTable::Outcome::kNotFound:
      return respond(ErrorFor(
          ApiError(
              identity::v1::ROUTE_NOT_FOUND,
              {{"method", request.method},
               {"path", std::string(path.substr(0, 256))}},
              absl::StrCat("No API route matches ", request.method, " ",
                           path.substr(0, 256),
                           ". Routes are under /api/v1; see GET /api/v1.")),
          &request, NewRequestId()));
  }
}

namespace {

// One REST request between the router and its answer: binds the request
// message on a worker (ReadRequest) and writes the HTTP response (Finish).
class RestCall : public PendingCall {
 public:
  RestCall(const RestGateway::Target& target, std::vector<PathBinding> bindings,
           HttpRequest request, HttpServer::Respond respond,
           std::string request_id, bool client_access)
      : target_(target),
        bindings_(std::move(bindings)),
        request_(std::move(request)),
        respond_(std::move(respond)),
        request_id_(std::move(request_id)),
        client_access_(client_access) {}

  absl::Status ReadRequest(google::protobuf::Message& message) override {
    absl::string_view raw_target = request_.target;
    const size_t question = raw_target.find('?');
    HttpRequestParts parts;
    // Copied, not moved: ReadRequest may run twice.
    parts.path_bindings = bindings_;
    parts.query = question == absl::string_view::npos
                      ? absl::string_view()
                      : raw_target.substr(question + 1);
    parts.content_type = request_.Header("content-type");
    parts.body = request_.body;
    BindingRule rule;
    rule.body_field = target_.body_field;
    rule.body_encoding = target_.method->access.body_encoding();
    rule.ignore_unknown_keys = target_.method->access.ignore_unknown_keys();
    rule.allow_server_only = !client_access_;
    return BindRequest(parts, rule, message);
  }

  void SetHttpDirectives(const HttpDirectives& directives) override {
    directives_ = directives;
  }

  void Finish(const absl::Status& status,
              const google::protobuf::Message& response) override {
    if (!status.ok()) {
      HttpResponse error = ErrorFor(status, &request_, request_id_);
      AddCookies(error);
      return respond_(std::move(error));
    }
    const identity::v1::AccessRule& access = target_.method->access;
    HttpResponse out;
    out.status = directives_.status > 0     ? directives_.status
                 : access.http_status() > 0 ? access.http_status()
                                            : 200;
    out.headers.emplace_back("cache-control", access.cache_control().empty()
                                                  ? std::string(kNoStore)
                                                  : access.cache_control());
    out.headers.emplace_back("x-stack-request-id", request_id_);
    AddCors(out);
    if (out.status >= 300 && out.status < 400) {
      const auto* location =
          response.GetDescriptor()->FindFieldByName("location");
      if (location != nullptr) {
        std::string target =
            response.GetReflection()->GetString(response, location);
        // A redirect target can carry client-chosen text (a callback URL);
        // a control byte in it would split the response.
        if (HasControlByte(target)) {
          return respond_(ErrorFor(ApiError(identity::v1::INTERNAL_ERROR),
                                   &request_, request_id_));
        }
        out.headers.emplace_back("location", std::move(target));
      }
      if (directives_.json_body_on_redirect) {
        out.headers.emplace_back("content-type", kJson);
        out.body = "{}";
      }
      AddCookies(out);
      return respond_(std::move(out));
    }
    if (access.text_body()) {
      const auto* text = response.GetDescriptor()->FindFieldByName("text");
      out.headers.emplace_back("content-type", "text/plain; charset=utf-8");
      if (text != nullptr) {
        out.body = response.GetReflection()->GetString(response, text);
      }
      AddCookies(out);
      return respond_(std::move(out));
    }
    if (access.raw_body()) {
      const auto* descriptor = response.GetDescriptor();
      const auto* type = descriptor->FindFieldByName("content_type");
      const auto* body = descriptor->FindFieldByName("body");
      const auto* reflection = response.GetReflection();
      if (type == nullptr || body == nullptr) {
        return respond_(ErrorFor(ApiError(identity::v1::INTERNAL_ERROR),
                                 &request_, request_id_));
      }
      std::string content_type = reflection->GetString(response, type);
      if (content_type.empty() || HasControlByte(content_type)) {
        content_type = "application/octet-stream";
      }
      out.headers.emplace_back("content-type", std::move(content_type));
      // The body came from a client once (an uploaded image): browsers must
      // take it for what the type says and run nothing in it.
      out.headers.emplace_back("x-content-type-options", "nosniff");
      out.headers.emplace_back("content-security-policy",
                               "default-src 'none'; sandbox");
      out.body = reflection->GetString(response, body);
      AddCookies(out);
      return respond_(std::move(out));
    }
    JsonWriteOptions options;
    options.include_server_only = !client_access_;
    out.headers.emplace_back("content-type", kJson);
    out.body = MessageToJson(response, options)
                   .dump(-1, ' ', false,
                         nlohmann::ordered_json::error_handler_t::replace);
    AddCookies(out);
    respond_(std::move(out));
  }

 private:
  static bool HasControlByte(absl::string_view text) {
    return absl::c_any_of(text, [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
  }

  // The method's cookies; one that could split the response is dropped
  // (methods build them from server-made values, so that is a bug, logged
  // by nobody but harmless to the client).
  void AddCookies(HttpResponse& out) const {
    for (const std::string& cookie : directives_.set_cookies) {
      if (!HasControlByte(cookie))
        out.headers.emplace_back("set-cookie", cookie);
    }
  }

  const RestGateway::Target& target_;
  std::vector<PathBinding> bindings_;
  HttpRequest request_;
  HttpServer::Respond respond_;
  std::string request_id_;
  bool client_access_;
  HttpDirectives directives_;
};

}  // namespace

void RestGateway::Call(const Target& target, RouteTable::Match match,
                       HttpRequest request, HttpServer::Respond respond) {
  CallEnvelope envelope;
  envelope.transport = Transport::kRest;
  envelope.request_id = NewRequestId();
  envelope.deadline = absl::Now() + options_.call_deadline;
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers) {
    // Header names and values reach the pipeline as RequestMetadata, which
    // keeps only x-stack-* (and its aliases) and authorization.
    envelope.metadata.Add(name, value);
    if (name == "x-forwarded-for") {
      absl::StrAppend(&forwarded_for, forwarded_for.empty() ? "" : ",", value);
    }
    if (name == "cookie") {
      // Several Cookie headers are one list (RFC 6265 5.4 sends one; HTTP/2
      // proxies may split it).
      absl::StrAppend(&envelope.cookie_header,
                      envelope.cookie_header.empty() ? "" : "; ", value);
    }
  }
  envelope.client_ip =
      options_.trusted_proxies.ClientAddress(request.client_ip, forwarded_for);
  std::optional<absl::string_view> access_type =
      envelope.metadata.Get(RequestMetadata::kAccessType);
  const bool client_access =
      !access_type.has_value() ||
      (*access_type != "server" && *access_type != "admin");
  std::string request_id = envelope.request_id;
  runner_->Submit(
      *target.method->descriptor, std::move(envelope),
      std::make_unique<RestCall>(target, std::move(match.bindings),
                                 std::move(request), std::move(respond),
                                 std::move(request_id), client_access));
}

void RestGateway::ForwardAuth(HttpRequest request,
                              HttpServer::Respond respond) {
  CallEnvelope envelope;
  envelope.transport = Transport::kRest;
  envelope.request_id = NewRequestId();
  envelope.deadline = absl::Now() + options_.call_deadline;
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-forwarded-for") {
      absl::StrAppend(&forwarded_for, forwarded_for.empty() ? "" : ",", value);
    }
  }
  envelope.client_ip =
      options_.trusted_proxies.ClientAddress(request.client_ip, forwarded_for);
  std::string request_id = envelope.request_id;
  runner_->Submit(
      *check_method_->descriptor, std::move(envelope),
      std::make_unique<ForwardAuthCall>(std::move(request), std::move(respond),
                                        std::move(request_id)));
}

}  // namespace latchkey::service::gateway
