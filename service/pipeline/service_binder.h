#ifndef SERVICE_PIPELINE_SERVICE_BINDER_H_
#define SERVICE_PIPELINE_SERVICE_BINDER_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "service/pipeline/call_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service {

// The one way an api file registers its RPCs: an object whose member
// functions are the handlers (`StatusOr<Response> Name(CallContext&, const
// Request&)`), bound by method name within one service of the contract.
//
//   ServiceBinder<UserMethods> bind(registry, "identity.v1.UserService",
//                                   std::make_shared<UserMethods>(context));
//   bind("GetUser", &UserMethods::GetUser);
//   bind("ListUsers", &UserMethods::ListUsers);
//   return bind.status();
//
// The first failure (a method the service does not have, types that differ
// from the descriptor's, a method bound twice) is kept and returned by
// status(); later binds are skipped, so a broken contract stops start-up
// with the first cause. The service must be one the registry serves. The
// handler object is shared by the registered handlers and lives as long as the
// longest-lived of them; it is called concurrently and must be thread-safe.
template <typename Methods>
class ServiceBinder {
 public:
  ServiceBinder(MethodRegistry& registry, absl::string_view service,
                std::shared_ptr<Methods> methods)
      : registry_(registry), methods_(std::move(methods)) {
    for (const google::protobuf::ServiceDescriptor* served :
         registry.services()) {
      if (served->full_name() == service) service_ = served;
    }
    if (service_ == nullptr) {
      status_ = absl::NotFoundError(
          absl::StrCat("the registry does not serve ", service));
    }
  }

  ServiceBinder(const ServiceBinder&) = delete;
  ServiceBinder& operator=(const ServiceBinder&) = delete;

  // Binds `handler` as `<service>.<method>`, run as `execution` says.
  template <typename Request, typename Response>
  void operator()(absl::string_view method,
                  absl::StatusOr<Response> (Methods::*handler)(CallContext&,
                                                               const Request&),
                  Execution execution = Execution::kWorker) {
    if (!status_.ok()) return;
    if (service_->FindMethodByName(std::string(method)) == nullptr) {
      status_ = absl::NotFoundError(
          absl::StrCat(service_->full_name(), " has no method named ", method));
      return;
    }
    status_ = registry_.Register<Request, Response>(
        absl::StrCat(service_->full_name(), ".", method),
        [methods = methods_, handler](CallContext& call,
                                      const Request& request) {
          return ((*methods).*handler)(call, request);
        },
        execution);
  }

  // OK, or the first bind's failure.
  absl::Status status() const { return status_; }

 private:
  MethodRegistry& registry_;
  const google::protobuf::ServiceDescriptor* service_ = nullptr;
  std::shared_ptr<Methods> methods_;
  absl::Status status_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_SERVICE_BINDER_H_
