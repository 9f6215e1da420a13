#ifndef SERVICE_API_SERVICES_H_
#define SERVICE_API_SERVICES_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Registers every implemented RPC of the five identity services. RPCs not
// registered answer NOT_IMPLEMENTED.
absl::Status RegisterServices(MethodRegistry& registry, AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_SERVICES_H_
