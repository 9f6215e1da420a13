#ifndef SERVICE_PIPELINE_METHOD_CATALOG_H_
#define SERVICE_PIPELINE_METHOD_CATALOG_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "identity/v1/options.pb.h"

namespace latchkey::service {

// One RPC of the contract as a transport sees it: no handler, nothing of
// the server behind it, so an adapter (the REST gateway) can route, bind
// and answer with the descriptors alone.
struct CatalogMethod {
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  // "/identity.v1.AuthService/PasswordSignUp": the gRPC path.
  std::string grpc_path;
  identity::v1::AccessRule access;
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;
};

// Every RPC of the given services with its access rule. Immutable after
// Create; thread-safe.
class MethodCatalog {
 public:
  // FAILED_PRECONDITION naming the method when an RPC lacks its
  // identity.v1.access option, is streaming, or its message types are not
  // linked in: the contract is broken and the server must not start.
  static absl::StatusOr<std::unique_ptr<const MethodCatalog>> Create(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The five identity.v1 services.
  static std::vector<const google::protobuf::ServiceDescriptor*>
  IdentityServices();

  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return services_;
  }
  const std::vector<CatalogMethod>& methods() const { return methods_; }

  // The method with this descriptor, or nullptr.
  const CatalogMethod* Find(
      const google::protobuf::MethodDescriptor& method) const;

 private:
  MethodCatalog() = default;

  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  std::vector<CatalogMethod> methods_;
  std::map<const google::protobuf::MethodDescriptor*, size_t> index_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_METHOD_CATALOG_H_
