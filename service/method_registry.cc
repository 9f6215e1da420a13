#include "service/method_registry.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {

using google::protobuf::MessageFactory;
using google::protobuf::ServiceDescriptor;

std::vector<const ServiceDescriptor*> MethodRegistry::IdentityServices() {
  // Reached through a message of each file, which also guarantees the file
  // is linked in and registered with the generated pool.
  return {
      identity::v1::PasswordSignUpRequest::descriptor()->file()
          ->FindServiceByName("AuthService"),
      identity::v1::OAuthTokenRequest::descriptor()->file()
          ->FindServiceByName("TokenService"),
      identity::v1::CreateProjectRequest::descriptor()->file()
          ->FindServiceByName("ProjectService"),
      identity::v1::CreateTeamRequest::descriptor()->file()
          ->FindServiceByName("TeamPermissionService"),
      identity::v1::CreateUserRequest::descriptor()->file()
          ->FindServiceByName("UserService"),
  };
}

absl::StatusOr<std::unique_ptr<MethodRegistry>> MethodRegistry::Create(
    const std::vector<const ServiceDescriptor*>& services) {
  std::unique_ptr<MethodRegistry> registry(new MethodRegistry());
  registry->services_ = services;
  MessageFactory* factory = MessageFactory::generated_factory();
  for (const ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (!method->options().HasExtension(identity::v1::access)) {
        return absl::FailedPreconditionError(
            absl::StrCat(method->full_name(),
                         " has no identity.v1.access option; every RPC must "
                         "declare who may call it"));
      }
      if (method->client_streaming() || method->server_streaming()) {
        return absl::FailedPreconditionError(absl::StrCat(
            method->full_name(), " is streaming; only unary RPCs are served"));
      }
      auto binding = std::make_unique<MethodBinding>();
      binding->descriptor = method;
      binding->grpc_path =
          absl::StrCat("/", service->full_name(), "/", method->name());
      binding->access = method->options().GetExtension(identity::v1::access);
      binding->request_prototype = factory->GetPrototype(method->input_type());
      binding->response_prototype =
          factory->GetPrototype(method->output_type());
      if (binding->request_prototype == nullptr ||
          binding->response_prototype == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            method->full_name(), ": message types are not linked in"));
      }
      registry->by_path_[binding->grpc_path] = binding.get();
      registry->by_full_name_[method->full_name()] = binding.get();
      registry->methods_.push_back(std::move(binding));
    }
  }
  return registry;
}

absl::Status MethodRegistry::RegisterErased(
    absl::string_view full_method_name,
    const google::protobuf::Descriptor* request_type,
    const google::protobuf::Descriptor* response_type, ErasedHandler handler) {
  auto it = by_full_name_.find(full_method_name);
  if (it == by_full_name_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no RPC named ", full_method_name));
  }
  MethodBinding& binding = *it->second;
  if (binding.descriptor->input_type() != request_type ||
      binding.descriptor->output_type() != response_type) {
    return absl::InvalidArgumentError(absl::StrCat(
        full_method_name, " takes ", binding.descriptor->input_type()->name(),
        " and returns ", binding.descriptor->output_type()->name()));
  }
  if (binding.handler) {
    return absl::AlreadyExistsError(
        absl::StrCat(full_method_name, " is registered twice"));
  }
  binding.handler = std::move(handler);
  return absl::OkStatus();
}

const MethodBinding* MethodRegistry::FindByPath(
    absl::string_view grpc_path) const {
  auto it = by_path_.find(grpc_path);
  return it == by_path_.end() ? nullptr : it->second;
}

}  // namespace latchkey::service
