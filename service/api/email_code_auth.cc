#include "service/api/email_code_auth.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/api/sign_in.h"
#include "service/core/emails.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

constexpr char kSignInPurpose[] = "sign_in";
constexpr char kEmailVerificationPurpose[] = "email_verification";

absl::StatusOr<identity::v1::SendSignInCodeResponse> SendSignInCode(
    AppContext& context, CallContext& call,
    const identity::v1::SendSignInCodeRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  if (!project.config.magic_link_enabled()) {
    return ApiError(identity::v1::OTP_SIGN_IN_NOT_ENABLED);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email,
      PrepareMailTo(context, project, request.email(), request.callback_url()));
  std::optional<core::NewVerificationCode> code;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto user = repos.users().FindByAuthEmail(project.project.id, email);
        if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
          return user.status();
        }
        if (!user.ok() && !project.config.sign_up_enabled()) {
          return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
        }
        core::VerificationCodes::Spec spec;
        spec.purpose = kSignInPurpose;
        spec.email = email;
        if (user.ok()) spec.user_id = user->user.id;
        LATCHKEY_ASSIGN_OR_RETURN(
            code, context.codes.Create(repos, project.project.id, spec));
        return absl::OkStatus();
      }));
  mail::TemplateValues values;
  values.link = LinkWithCode(request.callback_url(), code->code);
  values.otp = code->otp;
  values.email = email;
  SendEmail(context, project, mail::kSignInCode, values, email);
  identity::v1::SendSignInCodeResponse response;
  response.set_nonce(code->nonce);
  return response;
}

absl::StatusOr<identity::v1::SignInWithCodeResponse> SignInWithCode(
    AppContext& context, CallContext& call,
    const identity::v1::SignInWithCodeRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      context.codes.Verify(project.project.id, kSignInPurpose, request.code()));
  if (!code.email.has_value()) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  const std::string email = *code.email;
  const std::optional<std::string> anonymous =
      caller.user.has_value() && caller.user->is_anonymous()
          ? std::optional<std::string>(caller.user->sub())
          : std::nullopt;
  const absl::Time now = context.clock.Now();
  bool is_new_user = false;
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        is_new_user = false;
        LATCHKEY_RETURN_IF_ERROR(context.codes.Consume(repos, code));
        std::string user_id;
        auto existing =
            repos.users().FindByAuthEmail(project.project.id, email);
        if (existing.ok()) {
          user_id = existing->user.id;
          // Receiving the code proves the address.
          if (!existing->primary_email_verified &&
              existing->primary_email == email) {
            core::UserChanges changes;
            changes.primary_email_verified = true;
            LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(repos, project.project.id,
                                                      user_id, changes, now));
          }
        } else if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        } else {
          if (!project.config.sign_up_enabled()) {
            return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
          }
          is_new_user = true;
          core::UserChanges email_changes;
          email_changes.primary_email = std::optional<std::string>(email);
          email_changes.primary_email_verified = true;
          email_changes.primary_email_auth_enabled = true;
          if (anonymous.has_value()) {
            // Upgrade: the anonymous user keeps its id, data and teams.
            user_id = *anonymous;
            auto current = repos.users().Get(project.project.id, user_id);
            if (!current.ok()) return core::UserNotFoundOr(current.status());
            current->user.is_anonymous = false;
            LATCHKEY_RETURN_IF_ERROR(repos.users().Update(current->user));
            email_changes.otp_auth_enabled = true;
            LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(
                repos, project.project.id, user_id, email_changes, now));
          } else {
            core::NewUser user;
            LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
            user.user.project_id = project.project.id;
            user.user.signed_up_at = now;
            user.user.last_active_at = now;
            user.user.otp_auth_enabled = true;
            user.primary_email = email;
            user.primary_email_verified = true;
            user.primary_email_auth_enabled = true;
            LATCHKEY_RETURN_IF_ERROR(core::CreateUser(repos, user, now));
            user_id = user.user.id;
          }
        }
        auto view = repos.users().Get(project.project.id, user_id);
        if (!view.ok()) return core::UserNotFoundOr(view.status());
        LATCHKEY_ASSIGN_OR_RETURN(signed_in,
                                  StartSession(context, repos, project, *view));
        return absl::OkStatus();
      }));
  identity::v1::SignInWithCodeResponse response;
  response.set_access_token(std::move(signed_in->access_token));
  response.set_refresh_token(std::move(signed_in->refresh_token));
  response.set_user_id(std::move(signed_in->user_id));
  response.set_is_new_user(is_new_user);
  return response;
}

absl::StatusOr<identity::v1::SuccessResponse> SendVerificationCode(
    AppContext& context, CallContext& call,
    const identity::v1::SendVerificationCodeRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  if (!caller.user.has_value()) {
    return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email,
      PrepareMailTo(context, project, request.email(), request.callback_url()));
  std::optional<core::NewVerificationCode> code;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto user = repos.users().Get(project.project.id, caller.user->sub());
        if (!user.ok()) return core::UserNotFoundOr(user.status());
        if (user->primary_email != email) {
          return ApiError(
              identity::v1::EMAIL_IS_NOT_PRIMARY_EMAIL,
              {{"email", email},
               {"primary_email", user->primary_email.value_or("")}});
        }
        if (user->primary_email_verified) {
          return ApiError(identity::v1::EMAIL_ALREADY_VERIFIED);
        }
        core::VerificationCodes::Spec spec;
        spec.purpose = kEmailVerificationPurpose;
        spec.user_id = user->user.id;
        spec.email = email;
        LATCHKEY_ASSIGN_OR_RETURN(
            code, context.codes.Create(repos, project.project.id, spec));
        return absl::OkStatus();
      }));
  mail::TemplateValues values;
  values.link = LinkWithCode(request.callback_url(), code->code);
  values.email = email;
  SendEmail(context, project, mail::kEmailVerification, values, email);
  identity::v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::StatusOr<identity::v1::SuccessResponse> VerifyEmail(
    AppContext& context, CallContext& call,
    const identity::v1::VerifyEmailRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      context.codes.Verify(project.project.id, kEmailVerificationPurpose,
                           request.code()));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(context.codes.Consume(repos, code));
        if (!code.user_id.has_value() || !code.email.has_value()) {
          return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
        }
        auto user = repos.users().Get(project.project.id, *code.user_id);
        if (!user.ok()) return core::UserNotFoundOr(user.status());
        // The address changed since the mail went out: the code proves
        // nothing about the new one.
        if (user->primary_email != code.email) {
          return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
        }
        if (user->primary_email_verified) {
          return ApiError(identity::v1::EMAIL_ALREADY_VERIFIED);
        }
        core::UserChanges changes;
        changes.primary_email_verified = true;
        return core::UpdateUser(repos, project.project.id, *code.user_id,
                                changes, context.clock.Now());
      }));
  identity::v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

}  // namespace

absl::Status RegisterEmailCodeMethods(MethodRegistry& registry,
                                      AppContext& context) {
  AppContext* ctx = &context;
  using namespace identity::v1;  // NOLINT: the request types of auth.proto
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SendSignInCodeRequest, SendSignInCodeResponse>(
          "identity.v1.AuthService.SendSignInCode",
          [ctx](CallContext& call, const SendSignInCodeRequest& request) {
            return SendSignInCode(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SignInWithCodeRequest, SignInWithCodeResponse>(
          "identity.v1.AuthService.SignInWithCode",
          [ctx](CallContext& call, const SignInWithCodeRequest& request) {
            return SignInWithCode(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<CheckCodeRequest, CheckCodeResponse>(
          "identity.v1.AuthService.CheckSignInCode",
          [ctx](CallContext& call, const CheckCodeRequest& request) {
            return CheckCodeFor(*ctx, call, kSignInPurpose, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SendVerificationCodeRequest, SuccessResponse>(
          "identity.v1.AuthService.SendVerificationCode",
          [ctx](CallContext& call, const SendVerificationCodeRequest& request) {
            return SendVerificationCode(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<VerifyEmailRequest, SuccessResponse>(
          "identity.v1.AuthService.VerifyEmail",
          [ctx](CallContext& call, const VerifyEmailRequest& request) {
            return VerifyEmail(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<CheckCodeRequest, CheckCodeResponse>(
          "identity.v1.AuthService.CheckVerificationCode",
          [ctx](CallContext& call, const CheckCodeRequest& request) {
            return CheckCodeFor(*ctx, call, kEmailVerificationPurpose, request);
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
