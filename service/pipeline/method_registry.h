#ifndef SERVICE_PIPELINE_METHOD_REGISTRY_H_
#define SERVICE_PIPELINE_METHOD_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "identity/v1/options.pb.h"
#include "service/pipeline/call_context.h"
#include "service/pipeline/method_catalog.h"

namespace latchkey::service {

// A method handler with its types erased: reads `request`, fills `response`.
// Handlers are called concurrently and must be thread-safe.
using ErasedHandler = std::function<absl::Status(
    CallContext&, const google::protobuf::Message& request,
    google::protobuf::Message& response)>;

// Where a method's calls run.
enum class Execution {
  // On the worker pool: the handler may wait on the database, an outbound
  // request or the password-hash queue.
  kWorker,
  // First on the transport's own thread, inside a common::NonBlockingScope,
  // which saves the hand-off to a worker and back (most of a cheap call's
  // cost); again on the worker pool when that attempt asked to wait. For
  // methods that need only memory and CPU once the caches they read are
  // warm (a verified token, a remembered key, a project snapshot), and
  // whose attempts have no effect outside the process before the point
  // where they would wait.
  kInlineFirst,
};

// One RPC of the contract, as the dispatcher needs it.
struct MethodBinding {
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  // "/identity.v1.AuthService/PasswordSignUp": the gRPC path.
  std::string grpc_path;
  identity::v1::AccessRule access;
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;
  // Empty until a service registers an implementation.
  ErasedHandler handler;
  Execution execution = Execution::kWorker;
};

// Every RPC of the given services, with its access rule and (once
// registered) its handler. Built at start-up, then frozen: lookups are
// thread-safe, registration is not (register before serving).
class MethodRegistry {
 public:
  // Fails with FAILED_PRECONDITION naming the method when an RPC lacks its
  // identity.v1.access option or is streaming: the contract is broken and
  // the server must not start.
  static absl::StatusOr<std::unique_ptr<MethodRegistry>> Create(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The five identity.v1 services.
  static std::vector<const google::protobuf::ServiceDescriptor*>
  IdentityServices();

  // Registers the implementation of `full_method_name`
  // ("identity.v1.AuthService.PasswordSignUp"). NOT_FOUND for an unknown
  // method, INVALID_ARGUMENT when the types differ from the descriptor's,
  // ALREADY_EXISTS when registered twice.
  template <typename Request, typename Response>
  absl::Status Register(
      absl::string_view full_method_name,
      std::function<absl::StatusOr<Response>(CallContext&, const Request&)>
          handler,
      Execution execution = Execution::kWorker) {
    return RegisterErased(
        full_method_name, Request::descriptor(), Response::descriptor(),
        execution,
        [handler = std::move(handler)](
            CallContext& context, const google::protobuf::Message& request,
            google::protobuf::Message& response) -> absl::Status {
          absl::StatusOr<Response> result =
              handler(context, static_cast<const Request&>(request));
          if (!result.ok()) return result.status();
          static_cast<Response&>(response) = *std::move(result);
          return absl::OkStatus();
        });
  }

  // The binding for a method of the registry's services, or nullptr.
  const MethodBinding* Find(
      const google::protobuf::MethodDescriptor& method) const;

  // The binding for a gRPC path, or nullptr.
  const MethodBinding* FindByPath(absl::string_view grpc_path) const;

  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return catalog_->services();
  }
  // The same methods without handlers, for transports.
  const MethodCatalog& catalog() const { return *catalog_; }
  const std::vector<std::unique_ptr<MethodBinding>>& methods() const {
    return methods_;
  }

 private:
  MethodRegistry() = default;
  absl::Status RegisterErased(absl::string_view full_method_name,
                              const google::protobuf::Descriptor* request_type,
                              const google::protobuf::Descriptor* response_type,
                              Execution execution, ErasedHandler handler);

  std::unique_ptr<const MethodCatalog> catalog_;
  std::vector<std::unique_ptr<MethodBinding>> methods_;
  std::map<const google::protobuf::MethodDescriptor*, MethodBinding*>
      by_descriptor_;
  std::map<std::string, MethodBinding*, std::less<>> by_path_;
  std::map<std::string, MethodBinding*, std::less<>> by_full_name_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_METHOD_REGISTRY_H_
