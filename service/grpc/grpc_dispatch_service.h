#ifndef SERVICE_GRPC_GRPC_DISPATCH_SERVICE_H_
#define SERVICE_GRPC_GRPC_DISPATCH_SERVICE_H_

#include <deque>
#include <string>

#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/service_type.h"
#include "service/pipeline/call_runner.h"
#include "service/pipeline/trusted_proxies.h"

namespace latchkey::service {

// The gRPC adapter: serves one proto service by handing every call to the
// CallRunner, so that authentication, validation and logging are the same
// for every method (and for REST) by construction. Each method is
// registered as a raw callback method: gRPC delivers the serialized
// request, the runner parses and runs it on its workers, and gRPC's
// reflection and health see an ordinary registered service. The client
// address is the peer's, or what a trusted proxy's x-forwarded-for names.
// Not copyable; `runner` and `proxies` must outlive the grpc::Server this
// is registered with.
class GrpcDispatchService : public grpc::Service {
 public:
  GrpcDispatchService(const google::protobuf::ServiceDescriptor& service,
                      CallRunner& runner, const TrustedProxies& proxies);

 private:
  // RpcServiceMethod keeps a const char* to its name; the strings live here.
  std::deque<std::string> method_paths_;
};

}  // namespace latchkey::service

#endif  // SERVICE_GRPC_GRPC_DISPATCH_SERVICE_H_
