#ifndef SERVICE_GRPC_DISPATCH_SERVICE_H_
#define SERVICE_GRPC_DISPATCH_SERVICE_H_

#include <deque>
#include <string>

#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/service_type.h"
#include "service/dispatcher.h"
#include "service/gateway/trusted_proxies.h"
#include "service/method_registry.h"
#include "service/worker_pool.h"

namespace latchkey::service {

// Serves one proto service over gRPC by handing every call to the
// Dispatcher, so that authentication, validation and logging are the same
// for every method by construction (not by each method remembering to call
// them). Each method is registered as a raw callback method: gRPC delivers
// the serialized request, the work runs on the WorkerPool, and gRPC's
// reflection and health see an ordinary registered service. Not copyable;
// must outlive the grpc::Server it is registered with.
// Whose word on the client's address counts.
struct ClientAddressTrust {
  // The secret the in-process REST gateway sends to have its forwarded
  // client address and request id believed.
  std::string gateway_token;
  // Proxies in front of the gRPC port whose x-forwarded-for counts.
  gateway::TrustedProxies proxies;
};

class GrpcDispatchService : public grpc::Service {
 public:
  // `trust` must outlive the service.
  GrpcDispatchService(const google::protobuf::ServiceDescriptor& service,
                      const MethodRegistry& registry,
                      const Dispatcher& dispatcher, WorkerPool& workers,
                      const ClientAddressTrust& trust);

 private:
  // RpcServiceMethod keeps a const char* to its name; the strings live here.
  std::deque<std::string> method_paths_;
};

}  // namespace latchkey::service

#endif  // SERVICE_GRPC_DISPATCH_SERVICE_H_
