#include "service/api/session_methods.h"

#include <memory>
#include <optional>
#include <utility>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/core/anonymous_sign_up.h"
#include "service/core/user_sessions.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::AnonymousSignUpRequest;
using identity::v1::CreateSessionRequest;
using identity::v1::CreateSessionResponse;
using identity::v1::SignInResponse;

class SessionMethods {
 public:
  explicit SessionMethods(AppContext& context)
      : anonymous_sign_up_(SignInServicesOf(context)),
        sessions_(SignInServicesOf(context)) {}

  absl::StatusOr<SignInResponse> AnonymousSignUp(
      CallContext& call, const AnonymousSignUpRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::SignedIn signed_in,
        anonymous_sign_up_.Run({*call.caller().project, call.client_ip()}));
    return ToSignInResponse(std::move(signed_in));
  }

  absl::StatusOr<CreateSessionResponse> CreateSession(
      CallContext& call, const CreateSessionRequest& request) {
    core::UserSessions::CreateInput input{
        *call.caller().project, request.user_id(), request.is_impersonation()};
    if (request.has_expires_in_millis()) {
      input.lifetime = absl::Milliseconds(request.expires_in_millis());
    }
    LATCHKEY_ASSIGN_OR_RETURN(core::SignedIn signed_in,
                              sessions_.Create(input));
    CreateSessionResponse response;
    response.set_access_token(std::move(signed_in.access_token));
    response.set_refresh_token(std::move(signed_in.refresh_token));
    return response;
  }

 private:
  const core::AnonymousSignUp anonymous_sign_up_;
  const core::UserSessions sessions_;
};

}  // namespace

absl::Status RegisterSessionMethods(MethodRegistry& registry,
                                    AppContext& context) {
  using Methods = SessionMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("AnonymousSignUp", &Methods::AnonymousSignUp);
  bind("CreateSession", &Methods::CreateSession);
  return bind.status();
}

}  // namespace latchkey::service::api
