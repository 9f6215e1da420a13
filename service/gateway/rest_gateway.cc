#include "service/gateway/rest_gateway.h"

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/api_error.h"
#include "service/gateway/request_binder.h"
#include "service/gateway/stack_error.h"
#include "service/grpc_status.h"
#include "service/json_codec.h"
#include "service/request_id.h"
#include "service/request_metadata.h"

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
    "reflection). See README.md.\n";

void AddCors(HttpResponse& response) {
  response.headers.emplace_back("access-control-allow-origin", "*");
  response.headers.emplace_back("access-control-expose-headers",
                                kExposeHeaders);
}

HttpResponse Plain(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("x-stack-request-id", NewRequestId());
  response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
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

// One REST request in flight: everything the gRPC callback needs.
struct InFlight {
  grpc::ClientContext context;
  grpc::ByteBuffer request_bytes;
  grpc::ByteBuffer response_bytes;
  HttpRequest request;
  HttpServer::Respond respond;
  const RestGateway::Target* target = nullptr;
  bool client_access = false;
  std::string request_id;
};

}  // namespace

RestGateway::~RestGateway() {
  if (http_ != nullptr) http_->Shutdown(absl::ZeroDuration());
}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::Listen(
    Options options) {
  std::unique_ptr<RestGateway> gateway(new RestGateway());
  gateway->options_ = std::move(options);
  RestGateway* raw = gateway.get();
  absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start(
      gateway->options_.http_address, gateway->options_.limits,
      [raw](HttpRequest request, HttpServer::Respond respond) {
        raw->Handle(std::move(request), std::move(respond));
      },
      LimitResponse);
  if (!http.ok()) return http.status();
  gateway->http_ = std::move(*http);
  return gateway;
}

absl::StatusOr<std::unique_ptr<RestGateway>> RestGateway::Start(
    const MethodRegistry& registry, std::shared_ptr<grpc::Channel> channel,
    Options options) {
  absl::StatusOr<std::unique_ptr<RestGateway>> gateway =
      Listen(std::move(options));
  if (!gateway.ok()) return gateway;
  const std::string token = (*gateway)->options_.gateway_token;
  if (absl::Status status =
          (*gateway)->Serve(registry, std::move(channel), token);
      !status.ok()) {
    return status;
  }
  return gateway;
}

absl::Status RestGateway::Serve(const MethodRegistry& registry,
                                std::shared_ptr<grpc::Channel> channel,
                                std::string gateway_token) {
  RestGateway* gateway = this;
  options_.gateway_token = std::move(gateway_token);
  for (const auto& method : registry.methods()) {
    const auto& rule =
        method->descriptor->options().GetExtension(google::api::http);
    const auto routes = RoutesOf(rule);
    for (size_t i = 0; i < routes.size(); ++i) {
      gateway->targets_.push_back(Target{method.get(), routes[i].first,
                                         routes[i].second, BodyOf(rule, i)});
    }
  }
  RouteTable::Builder builder;
  for (size_t i = 0; i < gateway->targets_.size(); ++i) {
    const Target& target = gateway->targets_[i];
    if (absl::Status status = builder.Add(
            target.http_method, target.path_template, static_cast<int>(i));
        !status.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          target.method->descriptor->full_name(), ": ", status.message()));
    }
  }
  gateway->routes_ = std::move(builder).Build();
  gateway->channel_ = std::move(channel);
  gateway->stub_ = std::make_unique<grpc::GenericStub>(gateway->channel_);
  // Publishes routes_ and stub_ to the I/O threads (acquire in Handle).
  serving_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

void RestGateway::Handle(HttpRequest request, HttpServer::Respond respond) {
  if (!serving_.load(std::memory_order_acquire)) {
    return respond(ErrorFor(ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                                     "The server is starting; try again."),
                            &request, NewRequestId()));
  }
  absl::string_view target = request.target;
  const size_t question = target.find('?');
  absl::string_view path = target.substr(0, question);

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
      return respond(Plain(200, kAbout));
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
      return Call(targets_[match.target], match, std::move(request),
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

void RestGateway::Call(const Target& target, const RouteTable::Match& match,
                       HttpRequest request, HttpServer::Respond respond) {
  const MethodBinding& method = *target.method;
  auto call = std::make_unique<InFlight>();
  call->target = &target;
  call->request_id = NewRequestId();

  RequestMetadata metadata;
  for (const auto& [key, value] : request.headers) metadata.Add(key, value);
  std::optional<absl::string_view> access_type =
      metadata.Get(RequestMetadata::kAccessType);
  call->client_access = !access_type.has_value() ||
                        (*access_type != "server" && *access_type != "admin");

  // Build the request message: path, query, body.
  google::protobuf::Arena arena;
  google::protobuf::Message* message = method.request_prototype->New(&arena);
  absl::string_view raw_target = request.target;
  const size_t question = raw_target.find('?');
  HttpRequestParts parts;
  parts.path_bindings = match.bindings;
  parts.query = question == absl::string_view::npos
                    ? absl::string_view()
                    : raw_target.substr(question + 1);
  parts.content_type = request.Header("content-type");
  parts.body = request.body;
  BindingRule rule;
  rule.body_field = target.body_field;
  rule.body_encoding = method.access.body_encoding();
  rule.allow_server_only = !call->client_access;
  if (absl::Status status = BindRequest(parts, rule, *message); !status.ok()) {
    return respond(ErrorFor(status, &request, call->request_id));
  }
  std::string serialized;
  message->SerializeToString(&serialized);
  grpc::Slice slice(serialized);
  call->request_bytes = grpc::ByteBuffer(&slice, 1);

  // RequestMetadata keeps only what gRPC can carry (grpc++ aborts the
  // process on a key or value it cannot) and never a client's x-latchkey-*,
  // so the three the gateway adds below are the only ones.
  for (const auto& [key, value] : metadata.entries()) {
    call->context.AddMetadata(key, value);
  }
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-forwarded-for") {
      absl::StrAppend(&forwarded_for, forwarded_for.empty() ? "" : ",", value);
    }
  }
  call->context.AddMetadata(
      std::string(RequestMetadata::kForwardedFor),
      options_.trusted_proxies.ClientAddress(request.client_ip, forwarded_for));
  call->context.AddMetadata(std::string(RequestMetadata::kForwardedRequestId),
                            call->request_id);
  call->context.AddMetadata(std::string(RequestMetadata::kGatewayToken),
                            options_.gateway_token);
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoNanoseconds(options_.call_deadline));
  call->request = std::move(request);
  call->respond = std::move(respond);

  InFlight* raw = call.release();
  stub_->UnaryCall(
      &raw->context, method.grpc_path, grpc::StubOptions(), &raw->request_bytes,
      &raw->response_bytes, [raw](grpc::Status grpc_status) {
        std::unique_ptr<InFlight> call(raw);
        const MethodBinding& method = *call->target->method;
        const std::string& request_id = call->request_id;
        if (!grpc_status.ok()) {
          return call->respond(ErrorFor(FromGrpcStatus(grpc_status),
                                        &call->request, request_id));
        }
        google::protobuf::Arena arena;
        google::protobuf::Message* response =
            method.response_prototype->New(&arena);
        grpc::ProtoBufferReader reader(&call->response_bytes);
        if (!response->ParseFromZeroCopyStream(&reader)) {
          return call->respond(ErrorFor(ApiError(identity::v1::INTERNAL_ERROR),
                                        &call->request, request_id));
        }
        HttpResponse out;
        out.status =
            method.access.http_status() > 0 ? method.access.http_status() : 200;
        out.headers.emplace_back("cache-control",
                                 method.access.cache_control().empty()
                                     ? std::string(kNoStore)
                                     : method.access.cache_control());
        if (!request_id.empty()) {
          out.headers.emplace_back("x-stack-request-id", request_id);
        }
        AddCors(out);
        if (out.status >= 300 && out.status < 400) {
          const auto* location =
              response->GetDescriptor()->FindFieldByName("location");
          if (location != nullptr) {
            std::string target =
                response->GetReflection()->GetString(*response, location);
            // A redirect target can carry client-chosen text (a callback
            // URL); a control byte in it would split the response.
            if (absl::c_any_of(target, [](char c) {
                  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                })) {
              return call->respond(
                  ErrorFor(ApiError(identity::v1::INTERNAL_ERROR),
                           &call->request, request_id));
            }
            out.headers.emplace_back("location", std::move(target));
          }
          return call->respond(std::move(out));
        }
        JsonWriteOptions options;
        options.include_server_only = !call->client_access;
        out.headers.emplace_back("content-type", kJson);
        out.body = MessageToJson(*response, options)
                       .dump(-1, ' ', false,
                             nlohmann::ordered_json::error_handler_t::replace);
        call->respond(std::move(out));
      });
}

}  // namespace latchkey::service::gateway
