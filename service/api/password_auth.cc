#include "service/api/password_auth.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/api/sign_in.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/password_sign_in.h"
#include "service/core/password_sign_up.h"
#include "service/core/passwords.h"
#include "service/core/sign_in_services.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::SignInResponse;
using identity::v1::SuccessResponse;

constexpr char kPasswordResetPurpose[] = "password_reset";

SuccessResponse Success() {
  SuccessResponse response;
  response.set_success(true);
  return response;
}

// Whether the caller holds an anonymous user's token: signing up then
// turns that user into a full one instead of making another.
std::optional<std::string> AnonymousCaller(const Caller& caller) {
  if (caller.user.has_value() && caller.user->is_anonymous()) {
    return caller.user->sub();
  }
  return std::nullopt;
}

absl::StatusOr<SignInResponse> SignUp(
    AppContext& context, const core::PasswordSignUp& use_case,
    CallContext& call, const identity::v1::PasswordSignUpRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  core::PasswordSignUp::Input input{project, request.email(),
                                    request.password(), call.client_ip()};
  input.anonymous_user_id = AnonymousCaller(caller);
  if (request.has_verification_callback_url()) {
    input.verification_callback_url = request.verification_callback_url();
  }
  LATCHKEY_ASSIGN_OR_RETURN(core::PasswordSignUp::Result result,
                            use_case.Run(input));
  if (result.verification.has_value()) {
    mail::TemplateValues values;
    values.link = LinkWithCode(*input.verification_callback_url,
                               result.verification->code);
    values.email = result.verification->to;
    SendEmail(context, project, mail::kEmailVerification, std::move(values),
              result.verification->to);
  }
  return ToSignInResponse(std::move(result.signed_in));
}

absl::StatusOr<SignInResponse> SignIn(
    const core::PasswordSignIn& use_case, CallContext& call,
    const identity::v1::PasswordSignInRequest& request) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SignedIn signed_in, use_case.Run({*call.caller().project, request.email(),
                                        request.password(), call.client_ip()}));
  return ToSignInResponse(std::move(signed_in));
}

absl::StatusOr<SignInResponse> MfaSignIn(
    const core::MfaSignIn& use_case, CallContext& call,
    const identity::v1::MfaSignInRequest& request) {
  if (request.type() != "totp") {
    return ApiError(identity::v1::SCHEMA_ERROR,
                    {{"message", "body.type must be \"totp\""}},
                    "body.type must be \"totp\"");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      SignedIn signed_in, use_case.Run({*call.caller().project, request.code(),
                                        request.totp(), call.client_ip()}));
  return ToSignInResponse(std::move(signed_in));
}

absl::StatusOr<SuccessResponse> UpdatePassword(
    AppContext& context, CallContext& call,
    const identity::v1::UpdatePasswordRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  const std::string& user_id = caller.user->sub();
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.ConsumeWithBackoff(
      project.project.id, absl::StrCat("password_update:", user_id),
      project.config.rate_limits().password_update_per_account()));
  absl::StatusOr<storage::PasswordCredentialRecord> credential;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) {
        credential =
            repos.credentials().GetPassword(project.project.id, user_id);
        return credential.ok() ||
                       credential.status().code() == absl::StatusCode::kNotFound
                   ? absl::OkStatus()
                   : credential.status();
      }));
  if (!credential.ok())
    return ApiError(identity::v1::USER_DOES_NOT_HAVE_PASSWORD);
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::PasswordCheck check,
      context.passwords.Verify(request.old_password(),
                               credential->password_hash, project.config,
                               project.project.id));
  if (!check.matches)
    return ApiError(identity::v1::PASSWORD_CONFIRMATION_MISMATCH);
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.new_password(), project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.new_password(), project.config,
                             project.project.id));
  // The session making the change stays; every other one ends (a stolen
  // session must not survive a password change).
  const std::string keep = caller.user->refresh_token_id();
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        core::UserChanges changes;
        changes.password = std::optional<core::PasswordHash>(
            core::PasswordHash{hash, core::PasswordAlgorithm::kArgon2id});
        LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(
            repos, project.project.id, user_id, changes, context.clock.Now()));
        return repos.sessions()
            .DeleteAllForUser(project.project.id, user_id, keep)
            .status();
      }));
  return Success();
}

absl::StatusOr<SuccessResponse> SetPassword(
    AppContext& context, CallContext& call,
    const identity::v1::SetPasswordRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  const std::string& user_id = caller.user->sub();
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.password(), project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.password(), project.config,
                             project.project.id));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto existing =
            repos.credentials().GetPassword(project.project.id, user_id);
        if (existing.ok()) return ApiError(identity::v1::PASSWORD_ALREADY_SET);
        if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        }
        core::UserChanges changes;
        changes.password = std::optional<core::PasswordHash>(
            core::PasswordHash{hash, core::PasswordAlgorithm::kArgon2id});
        return core::UpdateUser(repos, project.project.id, user_id, changes,
                                context.clock.Now());
      }));
  return Success();
}

absl::StatusOr<SuccessResponse> SendResetCode(
    AppContext& context, CallContext& call,
    const identity::v1::SendPasswordResetCodeRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email,
      PrepareMailTo(context, project, request.email(), request.callback_url()));
  // Success either way: the answer must not tell which emails exist.
  std::optional<PendingEmail> pending;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        pending.reset();
        auto user = repos.users().FindByAuthEmail(project.project.id, email);
        if (!user.ok()) {
          return user.status().code() == absl::StatusCode::kNotFound
                     ? absl::OkStatus()
                     : user.status();
        }
        core::VerificationCodes::Spec spec;
        spec.purpose = kPasswordResetPurpose;
        spec.user_id = user->user.id;
        spec.email = email;
        LATCHKEY_ASSIGN_OR_RETURN(
            core::NewVerificationCode code,
            context.codes.Create(repos, project.project.id, spec));
        pending = PendingEmail{std::string(mail::kPasswordReset), {}, email};
        pending->values.link = LinkWithCode(request.callback_url(), code.code);
        pending->values.email = email;
        return absl::OkStatus();
      }));
  if (pending.has_value()) {
    SendEmail(context, project, pending->kind, pending->values, pending->to);
  }
  return Success();
}

absl::StatusOr<SuccessResponse> ResetPassword(
    AppContext& context, CallContext& call,
    const identity::v1::ResetPasswordRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      context.codes.Verify(project.project.id, kPasswordResetPurpose,
                           request.code()));
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.password(), project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.password(), project.config,
                             project.project.id));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(context.codes.Consume(repos, code));
        if (!code.user_id.has_value()) {
          return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
        }
        core::UserChanges changes;
        changes.password = std::optional<core::PasswordHash>(
            core::PasswordHash{hash, core::PasswordAlgorithm::kArgon2id});
        LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(repos, project.project.id,
                                                  *code.user_id, changes,
                                                  context.clock.Now()));
        // Whoever knew the old password is signed out everywhere.
        return repos.sessions()
            .DeleteAllForUser(project.project.id, *code.user_id)
            .status();
      }));
  return Success();
}

}  // namespace

absl::Status RegisterPasswordMethods(MethodRegistry& registry,
                                     AppContext& context) {
  AppContext* ctx = &context;
  const core::SignInServices services{context.database,  context.clock,
                                      context.passwords, context.rate_limiter,
                                      context.sessions,  context.token_issuer,
                                      context.codes};
  auto sign_up = std::make_shared<const core::PasswordSignUp>(services);
  auto sign_in = std::make_shared<const core::PasswordSignIn>(services);
  auto mfa_sign_in = std::make_shared<const core::MfaSignIn>(
      services, context.config.server_secret,
      context.config.previous_server_secret);
  using namespace identity::v1;  // NOLINT: the request types of auth.proto
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<PasswordSignUpRequest, SignInResponse>(
          "identity.v1.AuthService.PasswordSignUp",
          [ctx, sign_up](CallContext& call,
                         const PasswordSignUpRequest& request) {
            return SignUp(*ctx, *sign_up, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<PasswordSignInRequest, SignInResponse>(
          "identity.v1.AuthService.PasswordSignIn",
          [sign_in](CallContext& call, const PasswordSignInRequest& request) {
            return SignIn(*sign_in, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<MfaSignInRequest, SignInResponse>(
      "identity.v1.AuthService.MfaSignIn",
      [mfa_sign_in](CallContext& call, const MfaSignInRequest& request) {
        return MfaSignIn(*mfa_sign_in, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<UpdatePasswordRequest, SuccessResponse>(
          "identity.v1.AuthService.UpdatePassword",
          [ctx](CallContext& call, const UpdatePasswordRequest& request) {
            return UpdatePassword(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SetPasswordRequest, SuccessResponse>(
          "identity.v1.AuthService.SetPassword",
          [ctx](CallContext& call, const SetPasswordRequest& request) {
            return SetPassword(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SendPasswordResetCodeRequest, SuccessResponse>(
          "identity.v1.AuthService.SendPasswordResetCode",
          [ctx](CallContext& call,
                const SendPasswordResetCodeRequest& request) {
            return SendResetCode(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<CheckCodeRequest, CheckCodeResponse>(
          "identity.v1.AuthService.CheckPasswordResetCode",
          [ctx](CallContext& call, const CheckCodeRequest& request) {
            return CheckCodeFor(*ctx, call, kPasswordResetPurpose, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<ResetPasswordRequest, SuccessResponse>(
          "identity.v1.AuthService.ResetPassword",
          [ctx](CallContext& call, const ResetPasswordRequest& request) {
            return ResetPassword(*ctx, call, request);
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
