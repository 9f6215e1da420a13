#include "service/api/services.h"

#include "common/status_macros.h"
#include "service/api/session_methods.h"
#include "service/api/token_service.h"

namespace latchkey::service::api {

absl::Status RegisterServices(MethodRegistry& registry, AppContext& context) {
  LATCHKEY_RETURN_IF_ERROR(RegisterTokenService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterSessionMethods(registry, context));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
