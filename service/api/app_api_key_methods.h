#ifndef SERVICE_API_APP_API_KEY_METHODS_H_
#define SERVICE_API_APP_API_KEY_METHODS_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// Users' and teams' own API keys: UserService's *UserApiKey* RPCs and
// TeamPermissionService's *TeamApiKey* RPCs (create, list, get, update,
// check), bound to core::AppApiKeys. The handlers are thread-safe;
// `context` must outlive them.
absl::Status RegisterAppApiKeyMethods(MethodRegistry& registry,
                                      AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_APP_API_KEY_METHODS_H_
