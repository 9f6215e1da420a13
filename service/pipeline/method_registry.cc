#include "service/pipeline/method_registry.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"

namespace latchkey::service {

using google::protobuf::ServiceDescriptor;

std::vector<const ServiceDescriptor*> MethodRegistry::IdentityServices() {
  return MethodCatalog::IdentityServices();
}

absl::StatusOr<std::unique_ptr<MethodRegistry>> MethodRegistry::Create(
    const std::vector<const ServiceDescriptor*>& services) {
  absl::StatusOr<std::unique_ptr<const MethodCatalog>> catalog =
      MethodCatalog::Create(services);
  if (!catalog.ok()) return catalog.status();
  std::unique_ptr<MethodRegistry> registry(new MethodRegistry());
  registry->catalog_ = *std::move(catalog);
  for (const CatalogMethod& method : registry->catalog_->methods()) {
    auto binding = std::make_unique<MethodBinding>();
    binding->descriptor = method.descriptor;
    binding->grpc_path = method.grpc_path;
    binding->access = method.access;
    binding->request_prototype = method.request_prototype;
    binding->response_prototype = method.response_prototype;
    registry->by_path_[binding->grpc_path] = binding.get();
    registry->by_full_name_[method.descriptor->full_name()] = binding.get();
    registry->by_descriptor_[method.descriptor] = binding.get();
    registry->methods_.push_back(std::move(binding));
  }
  return registry;
}

absl::Status MethodRegistry::RegisterErased(
    absl::string_view full_method_name,
    const google::protobuf::Descriptor* request_type,
    const google::protobuf::Descriptor* response_type, Execution execution,
    ErasedHandler handler) {
  auto it = by_full_name_.find(full_method_name);
  if (it == by_full_name_.end()) {
    return absl::NotFoundError(absl::StrCat("no RPC named ", full_method_name));
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
  binding.execution = execution;
  return absl::OkStatus();
}

const MethodBinding* MethodRegistry::Find(
    const google::protobuf::MethodDescriptor& method) const {
  auto it = by_descriptor_.find(&method);
  return it == by_descriptor_.end() ? nullptr : it->second;
}

const MethodBinding* MethodRegistry::FindByPath(
    absl::string_view grpc_path) const {
  auto it = by_path_.find(grpc_path);
  return it == by_path_.end() ? nullptr : it->second;
}

}  // namespace latchkey::service
