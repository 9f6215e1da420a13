#include "service/pipeline/method_catalog.h"

#include "absl/strings/str_cat.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/project.pb.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/token.pb.h"
#include "identity/v1/user.pb.h"

namespace latchkey::service {

using google::protobuf::MessageFactory;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

std::vector<const ServiceDescriptor*> MethodCatalog::IdentityServices() {
  // Reached through a message of each file, which also guarantees the file
  // is linked in and registered with the generated pool.
  return {
      identity::v1::PasswordSignUpRequest::descriptor()
          ->file()
          ->FindServiceByName("AuthService"),
      identity::v1::OAuthTokenRequest::descriptor()->file()->FindServiceByName(
          "TokenService"),
      identity::v1::CreateProjectRequest::descriptor()
          ->file()
          ->FindServiceByName("ProjectService"),
      identity::v1::CreateTeamRequest::descriptor()->file()->FindServiceByName(
          "TeamPermissionService"),
      identity::v1::CreateUserRequest::descriptor()->file()->FindServiceByName(
          "UserService"),
  };
}

absl::StatusOr<std::unique_ptr<const MethodCatalog>> MethodCatalog::Create(
    const std::vector<const ServiceDescriptor*>& services) {
  std::unique_ptr<MethodCatalog> catalog(new MethodCatalog());
  catalog->services_ = services;
  MessageFactory* factory = MessageFactory::generated_factory();
  for (const ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
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
      CatalogMethod entry;
      entry.descriptor = method;
      entry.grpc_path =
          absl::StrCat("/", service->full_name(), "/", method->name());
      entry.access = method->options().GetExtension(identity::v1::access);
      entry.request_prototype = factory->GetPrototype(method->input_type());
      entry.response_prototype = factory->GetPrototype(method->output_type());
      if (entry.request_prototype == nullptr ||
          entry.response_prototype == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            method->full_name(), ": message types are not linked in"));
      }
      catalog->index_[method] = catalog->methods_.size();
      catalog->methods_.push_back(std::move(entry));
    }
  }
  return std::unique_ptr<const MethodCatalog>(std::move(catalog));
}

const CatalogMethod* MethodCatalog::Find(const MethodDescriptor& method) const {
  auto it = index_.find(&method);
  return it == index_.end() ? nullptr : &methods_[it->second];
}

}  // namespace latchkey::service
