#include "service/pipeline/dispatcher.h"

#include "service/errors/api_error.h"
#include "service/pipeline/field_visibility.h"

namespace latchkey::service {

absl::Status Dispatcher::Dispatch(const MethodBinding& method,
                                  CallContext& context,
                                  const google::protobuf::Message& request,
                                  google::protobuf::Message& response) const {
  if (absl::Status status = authenticator_.Authenticate(method.access, context);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          ValidateRequest(request, context.caller().access_type, limits_);
      !status.ok()) {
    return status;
  }
  if (!method.handler) {
    return ApiError(identity::v1::NOT_IMPLEMENTED, {},
                    method.descriptor->full_name() +
                        " is part of the contract but not served yet.");
  }
  absl::Status status = method.handler(context, request, response);
  // Client callers get the client view, whichever door they came in by.
  if (status.ok() &&
      context.caller().access_type == identity::v1::ACCESS_TYPE_CLIENT) {
    ClearServerOnlyFields(response);
  }
  return status;
}

}  // namespace latchkey::service
