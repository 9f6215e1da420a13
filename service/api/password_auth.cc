#include "service/api/password_auth.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/password_changes.h"
#include "service/core/password_reset.h"
#include "service/core/password_sign_in.h"
#include "service/core/password_sign_up.h"
#include "service/core/verification_codes.h"
#include "service/errors/api_error.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::CheckCodeRequest;
using identity::v1::CheckCodeResponse;
using identity::v1::MfaSignInRequest;
using identity::v1::PasswordSignInRequest;
using identity::v1::PasswordSignUpRequest;
using identity::v1::ResetPasswordRequest;
using identity::v1::SendPasswordResetCodeRequest;
using identity::v1::SendPasswordResetCodeResponse;
using identity::v1::SetPasswordRequest;
using identity::v1::SignInResponse;
using identity::v1::SuccessResponse;
using identity::v1::UpdatePasswordRequest;

// Stack's value for the reset-code answer, which its clients may compare.
constexpr char kResetCodeAnswer[] = "maybe, only if user with e-mail exists";

// The AuthService RPCs of passwords: sign-up, sign-in and its MFA step,
// changes, and resets. Each converts the request into a core use case's
// input and its result back, and sends the mail the use case decided on.
class PasswordMethods {
 public:
  explicit PasswordMethods(AppContext& context)
      : context_(context),
        sign_up_(SignInServicesOf(context)),
        sign_in_(SignInServicesOf(context)),
        mfa_sign_in_(SignInServicesOf(context), context.config.server_secret,
                     context.config.previous_server_secret),
        changes_(SignInServicesOf(context)),
        reset_(SignInServicesOf(context)) {}

  absl::StatusOr<SignInResponse> PasswordSignUp(
      CallContext& call, const PasswordSignUpRequest& request) {
    const Caller& caller = call.caller();
    const core::ProjectSnapshot& project = *caller.project;
    LATCHKEY_RETURN_IF_ERROR(CheckBotChallenge(project, call, request));
    core::PasswordSignUp::Input input{project, request.email(),
                                      request.password(), call.client_ip()};
    input.anonymous_user_id = AnonymousCaller(caller);
    if (request.has_verification_callback_url()) {
      input.verification_callback_url = request.verification_callback_url();
    }
    LATCHKEY_ASSIGN_OR_RETURN(core::PasswordSignUp::Result result,
                              sign_up_.Run(input));
    if (result.verification.has_value()) {
      mail::TemplateValues values;
      values.link = LinkWithCode(*input.verification_callback_url,
                                 result.verification->code);
      values.email = result.verification->to;
      SendEmail(context_, project, mail::kEmailVerification, std::move(values),
                result.verification->to);
    }
    return ToSignInResponse(std::move(result.signed_in));
  }

  absl::StatusOr<SignInResponse> PasswordSignIn(
      CallContext& call, const PasswordSignInRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::SignedIn signed_in,
        sign_in_.Run({*call.caller().project, request.email(),
                      request.password(), call.client_ip()}));
    return ToSignInResponse(std::move(signed_in));
  }

  absl::StatusOr<SignInResponse> MfaSignIn(CallContext& call,
                                           const MfaSignInRequest& request) {
    if (request.type() != "totp") {
      return SchemaError("body.type must be \"totp\"");
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        core::SignedIn signed_in,
        mfa_sign_in_.Run({*call.caller().project, request.code(),
                          request.totp(), call.client_ip()}));
    return ToSignInResponse(std::move(signed_in));
  }

  // The contract requires a signed-in user for these two.
  absl::StatusOr<SuccessResponse> UpdatePassword(
      CallContext& call, const UpdatePasswordRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(changes_.Update(
        {*caller.project, caller.user->sub(), caller.user->refresh_token_id(),
         request.old_password(), request.new_password()}));
    return Success();
  }

  absl::StatusOr<SuccessResponse> SetPassword(
      CallContext& call, const SetPasswordRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(changes_.Set(
        {*caller.project, caller.user->sub(), request.password()}));
    return Success();
  }

  // The same answer whether or not the address has an account: it must not
  // tell which addresses exist.
  absl::StatusOr<SendPasswordResetCodeResponse> SendPasswordResetCode(
      CallContext& call, const SendPasswordResetCodeRequest& request) {
    const core::ProjectSnapshot& project = *call.caller().project;
    LATCHKEY_ASSIGN_OR_RETURN(
        std::optional<core::CodeMail> code,
        reset_.SendCode({project, request.email(), request.callback_url()}));
    if (code.has_value()) {
      SendCodeMail(context_, project, mail::kPasswordReset,
                   request.callback_url(), *code, /*show_otp=*/false);
    }
    SendPasswordResetCodeResponse response;
    response.set_success(kResetCodeAnswer);
    return response;
  }

  absl::StatusOr<CheckCodeResponse> CheckPasswordResetCode(
      CallContext& call, const CheckCodeRequest& request) {
    return CheckCodeFor(context_, call, core::kPasswordResetPurpose, request);
  }

  absl::StatusOr<SuccessResponse> ResetPassword(
      CallContext& call, const ResetPasswordRequest& request) {
    LATCHKEY_RETURN_IF_ERROR(reset_.Reset(
        {*call.caller().project, request.code(), request.password()}));
    return Success();
  }

 private:
  AppContext& context_;
  const core::PasswordSignUp sign_up_;
  const core::PasswordSignIn sign_in_;
  const core::MfaSignIn mfa_sign_in_;
  const core::PasswordChanges changes_;
  const core::PasswordReset reset_;
};

}  // namespace

absl::Status RegisterPasswordMethods(MethodRegistry& registry,
                                     AppContext& context) {
  using Methods = PasswordMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("PasswordSignUp", &Methods::PasswordSignUp);
  bind("PasswordSignIn", &Methods::PasswordSignIn);
  bind("MfaSignIn", &Methods::MfaSignIn);
  bind("UpdatePassword", &Methods::UpdatePassword);
  bind("SetPassword", &Methods::SetPassword);
  bind("SendPasswordResetCode", &Methods::SendPasswordResetCode);
  bind("CheckPasswordResetCode", &Methods::CheckPasswordResetCode);
  bind("ResetPassword", &Methods::ResetPassword);
  return bind.status();
}

}  // namespace latchkey::service::api
