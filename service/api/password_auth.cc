#include "service/api/password_auth.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "crypto/secret_box.h"
#include "crypto/totp.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/api/sign_in.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/team_membership.h"
#include "service/core/totp_secrets.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::SignInResponse;
using identity::v1::SuccessResponse;

constexpr char kPasswordResetPurpose[] = "password_reset";
constexpr char kEmailVerificationPurpose[] = "email_verification";
constexpr char kMfaAttemptPurpose[] = "mfa_attempt";

SuccessResponse Success() {
  SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::Status RequirePasswordAuth(const core::ProjectSnapshot& project) {
  if (!project.config.credential_enabled()) {
    return ApiError(identity::v1::PASSWORD_AUTHENTICATION_NOT_ENABLED);
  }
  return absl::OkStatus();
}

// Whether the caller holds an anonymous user's token: signing up then
// turns that user into a full one instead of making another.
std::optional<std::string> AnonymousCaller(const Caller& caller) {
  if (caller.user.has_value() && caller.user->is_anonymous()) {
    return caller.user->sub();
  }
  return std::nullopt;
}

absl::StatusOr<storage::UserView> LoadUser(storage::Repositories& repos,
                                           const std::string& project_id,
                                           const std::string& user_id) {
  absl::StatusOr<storage::UserView> view =
      repos.users().Get(project_id, user_id);
  if (!view.ok()) return core::UserNotFoundOr(view.status());
  return view;
}

// A personal team for a new user, when the project asks for one.
absl::Status MaybeCreatePersonalTeam(AppContext& context,
                                     storage::Repositories& repos,
                                     const core::ProjectSnapshot& project,
                                     const storage::UserView& user) {
  if (!project.config.create_team_on_sign_up()) return absl::OkStatus();
  storage::TeamRecord team;
  LATCHKEY_ASSIGN_OR_RETURN(team.id, crypto::RandomUuidV4());
  team.project_id = project.project.id;
  team.display_name = user.user.display_name.has_value()
                          ? absl::StrCat(*user.user.display_name, "'s Team")
                          : std::string("Personal Team");
  team.created_at = context.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
  return core::AddMemberWithDefaults(
      repos, project.project.id, team.id, user.user.id,
      project.config.team_creator_default_permissions(), team.created_at);
}

// Makes the code of a verification email for a user's primary address;
// the caller sends it once its transaction has committed.
absl::StatusOr<PendingEmail> VerificationEmail(
    AppContext& context, storage::Repositories& repos,
    const core::ProjectSnapshot& project, const std::string& user_id,
    const std::string& email, const std::string& callback_url) {
  core::VerificationCodes::Spec spec;
  spec.purpose = kEmailVerificationPurpose;
  spec.user_id = user_id;
  spec.email = email;
  LATCHKEY_ASSIGN_OR_RETURN(
      core::NewVerificationCode code,
      context.codes.Create(repos, project.project.id, spec));
  PendingEmail pending;
  pending.kind = std::string(mail::kEmailVerification);
  pending.values.link = LinkWithCode(callback_url, code.code);
  pending.values.email = email;
  pending.to = email;
  return pending;
}

absl::StatusOr<SignInResponse> SignUp(
    AppContext& context, CallContext& call,
    const identity::v1::PasswordSignUpRequest& request) {
  const Caller& caller = call.caller();
  const core::ProjectSnapshot& project = *caller.project;
  if (!project.config.sign_up_enabled()) {
    return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
  }
  LATCHKEY_RETURN_IF_ERROR(RequirePasswordAuth(project));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email, core::NormalizeEmail(request.email(), "body.email"));
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.password(), project.config));
  const bool verify = request.has_verification_callback_url();
  if (verify) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckRedirectUrl(project, request.verification_callback_url()));
  }
  LATCHKEY_RETURN_IF_ERROR(LimitByIp(
      context, call, "sign_up", project.config.rate_limits().sign_up_per_ip()));
  // Hashing is slow: never inside the transaction.
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.password(), project.config,
                             project.project.id));
  const core::PasswordHash password{hash, core::PasswordAlgorithm::kArgon2id};
  const std::optional<std::string> anonymous = AnonymousCaller(caller);
  const absl::Time now = context.clock.Now();

  std::optional<SignedIn> signed_in;
  std::optional<PendingEmail> verification;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        verification.reset();
        std::string user_id;
        if (anonymous.has_value()) {
          // The same user, now with an email and a password: their data
          // and teams stay theirs.
          LATCHKEY_ASSIGN_OR_RETURN(
              storage::UserView current,
              LoadUser(repos, project.project.id, *anonymous));
          if (!current.user.is_anonymous) {
            return ApiError(identity::v1::USER_EMAIL_ALREADY_EXISTS,
                            {{"email", email},
                             {"would_work_if_email_was_verified", "false"}});
          }
          user_id = *anonymous;
          current.user.is_anonymous = false;
          LATCHKEY_RETURN_IF_ERROR(repos.users().Update(current.user));
          core::UserChanges changes;
          changes.primary_email = std::optional<std::string>(email);
          changes.primary_email_auth_enabled = true;
          changes.password = std::optional<core::PasswordHash>(password);
          LATCHKEY_RETURN_IF_ERROR(core::UpdateUser(repos, project.project.id,
                                                    user_id, changes, now));
        } else {
          core::NewUser user;
          LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
          user.user.project_id = project.project.id;
          user.user.signed_up_at = now;
          user.user.last_active_at = now;
          user.primary_email = email;
          user.primary_email_auth_enabled = true;
          user.password = password;
          LATCHKEY_RETURN_IF_ERROR(core::CreateUser(repos, user, now));
          user_id = user.user.id;
        }
        LATCHKEY_ASSIGN_OR_RETURN(storage::UserView view,
                                  LoadUser(repos, project.project.id, user_id));
        if (!anonymous.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(
              MaybeCreatePersonalTeam(context, repos, project, view));
          LATCHKEY_ASSIGN_OR_RETURN(
              view, LoadUser(repos, project.project.id, user_id));
        }
        if (verify) {
          LATCHKEY_ASSIGN_OR_RETURN(
              verification,
              VerificationEmail(context, repos, project, user_id, email,
                                request.verification_callback_url()));
        }
        LATCHKEY_ASSIGN_OR_RETURN(signed_in,
                                  StartSession(context, repos, project, view));
        return absl::OkStatus();
      }));
  if (verification.has_value()) {
    SendEmail(context, project, verification->kind, verification->values,
              verification->to);
  }
  return ToSignInResponse(*std::move(signed_in));
}

// Finishes a password (or other first-factor) sign-in: MFA when the user
// has TOTP, else a session.
absl::StatusOr<SignInResponse> FinishSignIn(
    AppContext& context, const core::ProjectSnapshot& project,
    const storage::UserView& user) {
  if (user.has_totp) {
    std::optional<core::NewVerificationCode> attempt;
    LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
        [&](storage::Repositories& repos) -> absl::Status {
          core::VerificationCodes::Spec spec;
          spec.purpose = kMfaAttemptPurpose;
          spec.user_id = user.user.id;
          spec.lifetime = absl::Minutes(5);
          spec.max_attempts = 5;
          LATCHKEY_ASSIGN_OR_RETURN(
              attempt, context.codes.Create(repos, project.project.id, spec));
          return absl::OkStatus();
        }));
    return ApiError(identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED,
                    {{"attempt_code", attempt->code}});
  }
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(signed_in,
                                  StartSession(context, repos, project, user));
        return repos.users().TouchLastActive(project.project.id, user.user.id,
                                             context.clock.Now());
      }));
  return ToSignInResponse(*std::move(signed_in));
}

absl::StatusOr<SignInResponse> SignIn(
    AppContext& context, CallContext& call,
    const identity::v1::PasswordSignInRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  LATCHKEY_RETURN_IF_ERROR(RequirePasswordAuth(project));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email, core::NormalizeEmail(request.email(), "body.email"));
  const identity::v1::RateLimits& limits = project.config.rate_limits();
  // Per origin, loosely (credential stuffing across accounts); per account
  // and origin, tightly with pacing (guessing one account's password), so
  // that one origin's failures never lock the owner out elsewhere; and per
  // account under a looser ceiling (guessing spread over many origins).
  LATCHKEY_RETURN_IF_ERROR(
      LimitByIp(context, call, "sign_in", limits.sign_in_per_ip()));
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.ConsumeGuess(
      project.project.id, absl::StrCat("sign_in_account:", email),
      call.client_ip(), limits.sign_in_per_account()));

  absl::StatusOr<storage::UserView> user;
  absl::StatusOr<storage::PasswordCredentialRecord> credential =
      absl::NotFoundError("no user");
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        user = repos.users().FindByAuthEmail(project.project.id, email);
        if (!user.ok()) {
          return user.status().code() == absl::StatusCode::kNotFound
                     ? absl::OkStatus()
                     : user.status();
        }
        credential =
            repos.credentials().GetPassword(project.project.id, user->user.id);
        return credential.ok() ||
                       credential.status().code() == absl::StatusCode::kNotFound
                   ? absl::OkStatus()
                   : credential.status();
      }));
  if (!user.ok() || !credential.ok()) {
    // The same work as a real check, so timing does not tell whether the
    // email exists.
    LATCHKEY_RETURN_IF_ERROR(context.passwords.VerifyDummy(
        request.password(), project.config, project.project.id));
    return ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::PasswordCheck check,
      context.passwords.Verify(request.password(), credential->password_hash,
                               project.config, project.project.id));
  if (!check.matches) return ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH);
  if (check.needs_rehash) {
    // An imported bcrypt hash (or weaker argon2 parameters) becomes the
    // project's argon2id now that the password is known.
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string hash,
        context.passwords.Hash(request.password(), project.config,
                               project.project.id));
    LATCHKEY_RETURN_IF_ERROR(
        context.database.Run([&](storage::Repositories& repos) {
          storage::PasswordCredentialRecord upgraded = *credential;
          upgraded.password_hash = hash;
          upgraded.algorithm = "argon2id";
          upgraded.updated_at = context.clock.Now();
          return repos.credentials().SetPassword(project.project.id, upgraded);
        }));
  }
  return FinishSignIn(context, project, *user);
}

absl::StatusOr<SignInResponse> MfaSignIn(
    AppContext& context, CallContext& call,
    const identity::v1::MfaSignInRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  if (request.type() != "totp") {
    return ApiError(identity::v1::SCHEMA_ERROR,
                    {{"message", "body.type must be \"totp\""}},
                    "body.type must be \"totp\"");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord attempt,
      context.codes.Verify(project.project.id, kMfaAttemptPurpose,
                           request.code()));
  if (!attempt.user_id.has_value()) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  // A wrong TOTP does not use up the attempt code, so without this one
  // attempt code would allow unlimited guesses for its lifetime. Limited
  // like password guesses, keyed on the user.
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.ConsumeGuess(
      project.project.id, absl::StrCat("mfa_sign_in_user:", *attempt.user_id),
      call.client_ip(), project.config.rate_limits().sign_in_per_account()));
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox box,
      core::TotpSecretBox(context.config.server_secret,
                          context.config.previous_server_secret));
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::UserView user,
            LoadUser(repos, project.project.id, *attempt.user_id));
        absl::StatusOr<storage::TotpSecretRecord> secret =
            repos.credentials().GetTotpSecret(project.project.id, user.user.id);
        if (!secret.ok()) return ApiError(identity::v1::INVALID_TOTP_CODE);
        LATCHKEY_ASSIGN_OR_RETURN(
            crypto::SecretBox::Opened seed,
            core::OpenTotpSecret(box, project.project.id, user.user.id,
                                 secret->encrypted_secret));
        LATCHKEY_ASSIGN_OR_RETURN(
            crypto::Totp totp,
            crypto::Totp::Create(seed.plaintext, context.clock));
        LATCHKEY_ASSIGN_OR_RETURN(
            crypto::TotpCheck check,
            totp.Verify(std::string_view(request.totp().data(),
                                         request.totp().size())));
        if (!check.valid) return ApiError(identity::v1::INVALID_TOTP_CODE);
        LATCHKEY_RETURN_IF_ERROR(context.codes.Consume(repos, attempt));
        LATCHKEY_ASSIGN_OR_RETURN(signed_in,
                                  StartSession(context, repos, project, user));
        return absl::OkStatus();
      }));
  return ToSignInResponse(*std::move(signed_in));
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
  using namespace identity::v1;  // NOLINT: the request types of auth.proto
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<PasswordSignUpRequest, SignInResponse>(
          "identity.v1.AuthService.PasswordSignUp",
          [ctx](CallContext& call, const PasswordSignUpRequest& request) {
            return SignUp(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<PasswordSignInRequest, SignInResponse>(
          "identity.v1.AuthService.PasswordSignIn",
          [ctx](CallContext& call, const PasswordSignInRequest& request) {
            return SignIn(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<MfaSignInRequest, SignInResponse>(
      "identity.v1.AuthService.MfaSignIn",
      [ctx](CallContext& call, const MfaSignInRequest& request) {
        return MfaSignIn(*ctx, call, request);
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
