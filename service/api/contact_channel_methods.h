#ifndef SERVICE_API_CONTACT_CHANNEL_METHODS_H_
#define SERVICE_API_CONTACT_CHANNEL_METHODS_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// UserService's contact-channel RPCs (list, create, get, update, delete,
// send a verification link), bound to core::ContactChannels. Clients act
// only on their own user ("me" or its id); server and admin callers on any
// user of the project. The verification link's code is used by
// AuthService.VerifyEmail. The handlers are thread-safe; `context` must
// outlive them.
absl::Status RegisterContactChannelMethods(MethodRegistry& registry,
                                           AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_CONTACT_CHANNEL_METHODS_H_
