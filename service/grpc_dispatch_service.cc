#include "service/grpc_dispatch_service.h"

#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/hashing.h"
#include "google/protobuf/arena.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "service/api_error.h"
#include "service/grpc_status.h"
#include "service/json_log.h"
#include "service/request_id.h"

namespace latchkey::service {
namespace {

using ByteBufferHandler =
    grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>;

// "ipv4:127.0.0.1:5000" -> "127.0.0.1"; "ipv6:[::1]:5000" -> "::1".
std::string ClientIpFromPeer(const std::string& peer) {
  absl::string_view rest = peer;
  if (absl::ConsumePrefix(&rest, "ipv4:")) {
    return std::string(rest.substr(0, rest.rfind(':')));
  }
  if (absl::ConsumePrefix(&rest, "ipv6:")) {
    rest = rest.substr(0, rest.rfind(':'));
    absl::ConsumePrefix(&rest, "[");
    absl::ConsumeSuffix(&rest, "]");
    return std::string(rest);
  }
  return std::string(rest);
}

// The value of `key` when the call carries it exactly once; a repeated key
// is ignored as a whole rather than guessing which copy is meant.
std::optional<absl::string_view> SingleValue(
    const grpc::CallbackServerContext& context, absl::string_view key) {
  auto [first, last] = context.client_metadata().equal_range(
      grpc::string_ref(key.data(), key.size()));
  if (first == last || std::next(first) != last) return std::nullopt;
  return absl::string_view(first->second.data(), first->second.size());
}

RequestMetadata ReadMetadata(const grpc::CallbackServerContext& context) {
  RequestMetadata metadata;
  for (const auto& [key, value] : context.client_metadata()) {
    metadata.Add(absl::string_view(key.data(), key.size()),
                 absl::string_view(value.data(), value.size()));
  }
  return metadata;
}

// Runs one call start to finish on a worker thread.
void Serve(const MethodBinding& method, const Dispatcher& dispatcher,
           const ClientAddressTrust& trust,
           grpc::CallbackServerContext* server_context,
           const grpc::ByteBuffer* request_bytes,
           grpc::ByteBuffer* response_bytes,
           grpc::ServerUnaryReactor* reactor) {
  const absl::Time start = absl::Now();
  RequestMetadata metadata = ReadMetadata(*server_context);
  // The REST gateway says which client it serves and which request id it
  // answers with; from anyone without its token that means nothing.
  std::string client_ip = ClientIpFromPeer(server_context->peer());
  std::string request_id;
  // RequestMetadata never keeps x-latchkey-* (a client's copy means
  // nothing), so the gateway's keys are read from the raw metadata and
  // believed only with the gateway's token.
  std::optional<absl::string_view> token =
      SingleValue(*server_context, RequestMetadata::kGatewayToken);
  const bool via_gateway =
      token.has_value() &&
      crypto::ConstantTimeEquals(std::string_view(token->data(), token->size()),
                                 trust.gateway_token);
  if (!via_gateway && !trust.proxies.empty()) {
    // A proxy in front of the gRPC port (Envoy, a load balancer).
    std::string forwarded_for;
    auto [first, last] =
        server_context->client_metadata().equal_range("x-forwarded-for");
    for (auto it = first; it != last; ++it) {
      absl::StrAppend(&forwarded_for, forwarded_for.empty() ? "" : ",",
                      absl::string_view(it->second.data(), it->second.size()));
    }
    client_ip = trust.proxies.ClientAddress(client_ip, forwarded_for);
  }
  if (via_gateway) {
    if (auto forwarded =
            SingleValue(*server_context, RequestMetadata::kForwardedFor);
        forwarded.has_value()) {
      client_ip = std::string(*forwarded);
    }
    if (auto id =
            SingleValue(*server_context, RequestMetadata::kForwardedRequestId);
        id.has_value() && id->size() <= 64) {
      request_id = std::string(*id);
    }
  }
  if (request_id.empty()) request_id = NewRequestId();
  CallContext context(std::move(request_id), std::move(metadata),
                      std::move(client_ip),
                      absl::FromChrono(server_context->deadline()));
  server_context->AddInitialMetadata("x-stack-request-id",
                                     context.request_id());

  google::protobuf::Arena arena;
  google::protobuf::Message* request = method.request_prototype->New(&arena);
  google::protobuf::Message* response = method.response_prototype->New(&arena);
  absl::Status status;
  {
    grpc::ByteBuffer copy(*request_bytes);
    grpc::ProtoBufferReader reader(&copy);
    if (!request->ParseFromZeroCopyStream(&reader)) {
      status = ApiError(identity::v1::BODY_PARSING_ERROR,
                        {{"message",
                          "The request message could not be "
                          "parsed as " +
                              method.descriptor->input_type()->full_name()}});
    }
  }
  if (status.ok()) {
    status = dispatcher.Dispatch(method, context, *request, *response);
  }
  grpc::Status reply = ToGrpcStatus(status);
  if (status.ok()) {
    bool own_buffer = false;
    reply = grpc::SerializationTraits<google::protobuf::Message>::Serialize(
        *response, response_bytes, &own_buffer);
  }

  nlohmann::json fields = {
      {"method", method.grpc_path},
      {"code", static_cast<int>(reply.error_code())},
      {"latency_ms", absl::ToDoubleMilliseconds(absl::Now() - start)},
      {"request_id", context.request_id()},
      {"transport", via_gateway ? "rest" : "grpc"},
  };
  if (std::optional<ApiErrorView> error = ReadApiError(ToPublicError(status));
      error.has_value()) {
    fields["error_code"] = ErrorCodeName(error->code);
  }
  if (!context.caller().project_id.empty()) {
    fields["project_id"] = context.caller().project_id;
  }
  if (!status.ok() && !ReadApiError(status).has_value()) {
    // An internal failure: its text stays in the log, never in the answer.
    fields["internal_error"] = std::string(status.message());
    LogJson(LogLevel::kError, "request", std::move(fields));
  } else {
    LogJson(LogLevel::kInfo, "request", std::move(fields));
  }
  reactor->Finish(reply);
}

}  // namespace

GrpcDispatchService::GrpcDispatchService(
    const google::protobuf::ServiceDescriptor& service,
    const MethodRegistry& registry, const Dispatcher& dispatcher,
    WorkerPool& workers, const ClientAddressTrust& trust) {
  for (int i = 0; i < service.method_count(); ++i) {
    const std::string& path = method_paths_.emplace_back(
        "/" + service.full_name() + "/" + service.method(i)->name());
    const MethodBinding* method = registry.FindByPath(path);
    AddMethod(new grpc::internal::RpcServiceMethod(
        path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodRawCallback(
        i, new ByteBufferHandler(
               [method, &dispatcher, &workers, &trust](
                   grpc::CallbackServerContext* context,
                   const grpc::ByteBuffer* request,
                   grpc::ByteBuffer* response) -> grpc::ServerUnaryReactor* {
                 grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
                 if (method == nullptr) {
                   reactor->Finish(
                       ToGrpcStatus(ApiError(identity::v1::NOT_IMPLEMENTED)));
                   return reactor;
                 }
                 const bool queued =
                     workers.TrySubmit([method, &dispatcher, &trust, context,
                                        request, response, reactor] {
                       Serve(*method, dispatcher, trust, context, request,
                             response, reactor);
                     });
                 if (!queued) {
                   reactor->Finish(ToGrpcStatus(
                       ApiError(identity::v1::SERVICE_UNAVAILABLE, {},
                                "The server is overloaded; try again.")));
                 }
                 return reactor;
               }));
  }
}

}  // namespace latchkey::service
