#ifndef SERVICE_PIPELINE_DISPATCHER_H_
#define SERVICE_PIPELINE_DISPATCHER_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "service/pipeline/call_context.h"
#include "service/pipeline/method_registry.h"
#include "service/pipeline/request_authenticator.h"
#include "service/pipeline/request_validator.h"

namespace latchkey::service {

// The transport-free request pipeline every RPC goes through, whichever
// door it came in by: authenticate (from the method's access rule),
// validate (the contract's field rules), then run the handler. Methods
// without a handler yet answer NOT_IMPLEMENTED, after authentication, so
// that an unauthenticated caller learns nothing about them. Thread-safe.
class Dispatcher {
 public:
  Dispatcher(const RequestAuthenticator& authenticator,
             ValidationLimits limits = {})
      : authenticator_(authenticator), limits_(limits) {}

  // Returns the handler's status, or the first failed stage's catalogue
  // error. The status may carry internal text: transports must pass it
  // through ToPublicError before answering.
  absl::Status Dispatch(const MethodBinding& method, CallContext& context,
                        const google::protobuf::Message& request,
                        google::protobuf::Message& response) const;

 private:
  const RequestAuthenticator& authenticator_;
  const ValidationLimits limits_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_DISPATCHER_H_
