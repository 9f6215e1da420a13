#include "service/grpc/grpc_dispatch_service.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/errors/api_error.h"
#include "service/grpc/grpc_status.h"
#include "service/runtime/request_id.h"

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

CallEnvelope EnvelopeOf(const grpc::CallbackServerContext& context,
                        const TrustedProxies& proxies) {
  CallEnvelope envelope;
  envelope.transport = Transport::kGrpc;
  envelope.request_id = NewRequestId();
  envelope.deadline = absl::FromChrono(context.deadline());
  std::string forwarded_for;
  for (const auto& [key, value] : context.client_metadata()) {
    const absl::string_view name(key.data(), key.size());
    const absl::string_view text(value.data(), value.size());
    envelope.metadata.Add(name, text);
    if (name == "x-forwarded-for") {
      absl::StrAppend(&forwarded_for, forwarded_for.empty() ? "" : ",", text);
    }
  }
  // A proxy in front of the gRPC port (Envoy, a load balancer) names the
  // client; anyone else's x-forwarded-for means nothing.
  envelope.client_ip =
      proxies.ClientAddress(ClientIpFromPeer(context.peer()), forwarded_for);
  return envelope;
}

// One gRPC call between the handler and the reactor's Finish.
class GrpcCall : public PendingCall {
 public:
  GrpcCall(const grpc::ByteBuffer* request_bytes,
           grpc::ByteBuffer* response_bytes, grpc::ServerUnaryReactor* reactor)
      : request_bytes_(request_bytes),
        response_bytes_(response_bytes),
        reactor_(reactor) {}

  absl::Status ReadRequest(google::protobuf::Message& request) override {
    grpc::ByteBuffer copy(*request_bytes_);
    grpc::ProtoBufferReader reader(&copy);
    if (!request.ParseFromZeroCopyStream(&reader)) {
      return ApiError(
          identity::v1::BODY_PARSING_ERROR,
          {{"message", "The request message could not be parsed as " +
                           request.GetDescriptor()->full_name()}});
    }
    return absl::OkStatus();
  }

  void Finish(const absl::Status& status,
              const google::protobuf::Message& response) override {
    if (!status.ok()) return reactor_->Finish(ToGrpcStatus(status));
    bool own_buffer = false;
    reactor_->Finish(
        grpc::SerializationTraits<google::protobuf::Message>::Serialize(
            response, response_bytes_, &own_buffer));
  }

 private:
  const grpc::ByteBuffer* request_bytes_;
  grpc::ByteBuffer* response_bytes_;
  grpc::ServerUnaryReactor* reactor_;
};

}  // namespace

GrpcDispatchService::GrpcDispatchService(
    const google::protobuf::ServiceDescriptor& service, CallRunner& runner,
    const TrustedProxies& proxies) {
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service.method(i);
    const std::string& path = method_paths_.emplace_back(
        "/" + service.full_name() + "/" + method->name());
    AddMethod(new grpc::internal::RpcServiceMethod(
        path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodRawCallback(
        i, new ByteBufferHandler(
               [method, &runner, &proxies](
                   grpc::CallbackServerContext* context,
                   const grpc::ByteBuffer* request,
                   grpc::ByteBuffer* response) -> grpc::ServerUnaryReactor* {
                 grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
                 CallEnvelope envelope = EnvelopeOf(*context, proxies);
                 context->AddInitialMetadata("x-stack-request-id",
                                             envelope.request_id);
                 runner.Submit(
                     *method, std::move(envelope),
                     std::make_unique<GrpcCall>(request, response, reactor));
                 return reactor;
               }));
  }
}

}  // namespace latchkey::service
