#include "service/api/email_code_auth.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/core/code_sign_in.h"
#include "service/core/email_verification.h"
#include "service/core/verification_codes.h"
#include "service/errors/api_error.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::CheckCodeRequest;
using identity::v1::CheckCodeResponse;
using identity::v1::SendSignInCodeRequest;
using identity::v1::SendSignInCodeResponse;
using identity::v1::SendVerificationCodeRequest;
using identity::v1::SignInWithCodeRequest;
using identity::v1::SignInWithCodeResponse;
using identity::v1::SuccessResponse;
using identity::v1::VerifyEmailRequest;

// The AuthService RPCs of codes sent by email: sign-in codes and email
// verification. Each converts the request into a core use case's input and
// its result back, and sends the mail the use case decided on.
class EmailCodeMethods {
 public:
  explicit EmailCodeMethods(AppContext& context)
      : context_(context),
        code_sign_in_(SignInServicesOf(context)),
        verification_(SignInServicesOf(context)) {}

  absl::StatusOr<SendSignInCodeResponse> SendSignInCode(
      CallContext& call, const SendSignInCodeRequest& request) {
    const core::ProjectSnapshot& project = *call.caller().project;
    LATCHKEY_RETURN_IF_ERROR(CheckBotChallenge(project, call, request));
    LATCHKEY_ASSIGN_OR_RETURN(core::CodeMail code,
                              code_sign_in_.SendCode({project, request.email(),
                                                      request.callback_url()}));
    SendCodeMail(context_, project, mail::kSignInCode, request.callback_url(),
                 code, /*show_otp=*/true);
    SendSignInCodeResponse response;
    response.set_nonce(std::move(code.nonce));
    return response;
  }

  absl::StatusOr<SignInWithCodeResponse> SignInWithCode(
      CallContext& call, const SignInWithCodeRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::CodeSignIn::Result result,
        code_sign_in_.SignIn(
            {*caller.project, request.code(), AnonymousCaller(caller)}));
    SignInWithCodeResponse response;
    response.set_access_token(std::move(result.signed_in.access_token));
    response.set_refresh_token(std::move(result.signed_in.refresh_token));
    response.set_user_id(std::move(result.signed_in.user_id));
    response.set_is_new_user(result.is_new_user);
    return response;
  }

  absl::StatusOr<CheckCodeResponse> CheckSignInCode(
      CallContext& call, const CheckCodeRequest& request) {
    return CheckCodeFor(context_, call, core::kSignInCodePurpose, request);
  }

  absl::StatusOr<SuccessResponse> SendVerificationCode(
      CallContext& call, const SendVerificationCodeRequest& request) {
    const Caller& caller = call.caller();
    if (!caller.user.has_value()) {
      return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        core::CodeMail code,
        verification_.SendCode({*caller.project, caller.user->sub(),
                                request.email(), request.callback_url()}));
    SendCodeMail(context_, *caller.project, mail::kEmailVerification,
                 request.callback_url(), code, /*show_otp=*/false);
    return Success();
  }

  absl::StatusOr<SuccessResponse> VerifyEmail(
      CallContext& call, const VerifyEmailRequest& request) {
    LATCHKEY_RETURN_IF_ERROR(
        verification_.Verify(*call.caller().project, request.code()));
    return Success();
  }

  absl::StatusOr<CheckCodeResponse> CheckVerificationCode(
      CallContext& call, const CheckCodeRequest& request) {
    return CheckCodeFor(context_, call, core::kEmailVerificationPurpose,
                        request);
  }

 private:
  AppContext& context_;
  const core::CodeSignIn code_sign_in_;
  const core::EmailVerification verification_;
};

}  // namespace

absl::Status RegisterEmailCodeMethods(MethodRegistry& registry,
                                      AppContext& context) {
  using Methods = EmailCodeMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("SendSignInCode", &Methods::SendSignInCode);
  bind("SignInWithCode", &Methods::SignInWithCode);
  bind("CheckSignInCode", &Methods::CheckSignInCode);
  bind("SendVerificationCode", &Methods::SendVerificationCode);
  bind("VerifyEmail", &Methods::VerifyEmail);
  bind("CheckVerificationCode", &Methods::CheckVerificationCode);
  return bind.status();
}

}  // namespace latchkey::service::api
