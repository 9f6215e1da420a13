#include "service/api/passkey_auth.h"

#include <memory>
#include <string>
#include <utility>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/core/passkey_sign_in.h"
#include "service/json/json_reader.h"
#include "service/json/json_writer.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::InitiatePasskeyAuthenticationRequest;
using identity::v1::InitiatePasskeyRegistrationRequest;
using identity::v1::PasskeyChallengeResponse;
using identity::v1::PasskeySignInRequest;
using identity::v1::PasskeySignInResponse;
using identity::v1::RegisterPasskeyRequest;
using identity::v1::RegisterPasskeyResponse;

absl::StatusOr<PasskeyChallengeResponse> ToChallengeResponse(
    core::PasskeySignIn::Challenge challenge) {
  PasskeyChallengeResponse response;
  LATCHKEY_ASSIGN_OR_RETURN(*response.mutable_options_json(),
                            JsonTextToValue(challenge.options_json));
  response.set_code(std::move(challenge.code));
  return response;
}

// Each method converts the request into the use case's input and its
// result back; the credentials travel to core as JSON text.
class PasskeyMethods {
 public:
  explicit PasskeyMethods(AppContext& context)
      : passkeys_(SignInServicesOf(context)) {}

  // The contract requires a signed-in user for the two registration steps.
  absl::StatusOr<PasskeyChallengeResponse> InitiatePasskeyRegistration(
      CallContext& call, const InitiatePasskeyRegistrationRequest&) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::PasskeySignIn::Challenge challenge,
        passkeys_.InitiateRegistration(*caller.project, caller.user->sub()));
    return ToChallengeResponse(std::move(challenge));
  }

  absl::StatusOr<RegisterPasskeyResponse> RegisterPasskey(
      CallContext& call, const RegisterPasskeyRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string credential_id,
        passkeys_.Register({*caller.project, caller.user->sub(),
                            ValueToJsonText(request.credential()),
                            request.code()}));
    RegisterPasskeyResponse response;
    response.set_user_handle(std::move(credential_id));
    return response;
  }

  absl::StatusOr<PasskeyChallengeResponse> InitiatePasskeyAuthentication(
      CallContext& call, const InitiatePasskeyAuthenticationRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::PasskeySignIn::Challenge challenge,
        passkeys_.InitiateAuthentication(*call.caller().project));
    return ToChallengeResponse(std::move(challenge));
  }

  absl::StatusOr<PasskeySignInResponse> PasskeySignIn(
      CallContext& call, const PasskeySignInRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::SignedIn signed_in,
        passkeys_.SignIn({*call.caller().project,
                          ValueToJsonText(request.authentication_response()),
                          request.code()}));
    PasskeySignInResponse response;
    response.set_access_token(std::move(signed_in.access_token));
    response.set_refresh_token(std::move(signed_in.refresh_token));
    response.set_user_id(std::move(signed_in.user_id));
    response.set_is_new_user(false);
    return response;
  }

 private:
  const core::PasskeySignIn passkeys_;
};

}  // namespace

absl::Status RegisterPasskeyMethods(MethodRegistry& registry,
                                    AppContext& context) {
  using Methods = PasskeyMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("InitiatePasskeyRegistration", &Methods::InitiatePasskeyRegistration);
  bind("RegisterPasskey", &Methods::RegisterPasskey);
  bind("InitiatePasskeyAuthentication",
       &Methods::InitiatePasskeyAuthentication);
  bind("PasskeySignIn", &Methods::PasskeySignIn);
  return bind.status();
}

}  // namespace latchkey::service::api
