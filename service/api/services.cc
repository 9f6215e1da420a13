#include "service/api/services.h"

namespace latchkey::service::api {

absl::Status RegisterServices(MethodRegistry& registry, AppContext& context) {
  (void)registry;
  (void)context;
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
