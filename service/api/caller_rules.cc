#include "service/api/caller_rules.h"

#include "service/errors/api_error.h"

namespace latchkey::service::api {

bool IsClient(const Caller& caller) {
  return caller.access_type == identity::v1::ACCESS_TYPE_CLIENT;
}

absl::StatusOr<std::string> ResolveUserId(const Caller& caller,
                                          const std::string& requested) {
  if (requested != "me") return requested;
  if (!caller.user.has_value()) {
    return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
  }
  return caller.user->sub();
}

}  // namespace latchkey::service::api
