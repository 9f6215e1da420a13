#include "service/core/code_sign_in.h"

#include <utility>

#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/mfa_sign_in.h"
#include "service/core/personal_team.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<CodeMail> CodeSignIn::SendCode(const SendInput& input) const {
  const ProjectSnapshot& project = input.project;
  if (!project.config.magic_link_enabled()) {
    return ApiError(identity::v1::OTP_SIGN_IN_NOT_ENABLED);
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            AdmitMailTo(services_.rate_limiter, project,
                                        input.email, input.callback_url));
  std::optional<NewVerificationCode> code;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto user = repos.users().FindByAuthEmail(project.project.id, email);
        if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
          return user.status();
        }
        if (!user.ok() && !project.config.sign_up_enabled()) {
          return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
        }
        // Someone may have signed up with another's address and a password
        // of their own: a code to the address must not sign the address's
        // owner into that account. Once the address is verified it works.
        if (user.ok() && user->has_password && !user->primary_email_verified) {
          return ApiError(
              identity::v1::USER_EMAIL_ALREADY_EXISTS,
              {{"email", email}, {"would_work_if_email_was_verified", "true"}});
        }
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kSignInCodePurpose);
        spec.email = email;
        if (user.ok()) spec.user_id = user->user.id;
        LATCHKEY_ASSIGN_OR_RETURN(
            code, services_.codes.Create(repos, project.project.id, spec));
        return absl::OkStatus();
      }));
  return CodeMailFor(std::move(email), *code);
}

absl::StatusOr<CodeSignIn::Result> CodeSignIn::SignIn(
    const SignInInput& input) const {
  const ProjectSnapshot& project = input.project;
  const std::string& project_id = project.project.id;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      services_.codes.Verify(project_id, kSignInCodePurpose, input.code));
  if (!code.email.has_value()) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  const std::string email = *code.email;
  const absl::Time now = services_.clock.Now();
  Result result;
  std::optional<storage::UserView> needs_second_factor;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        result.is_new_user = false;
        needs_second_factor.reset();
        LATCHKEY_RETURN_IF_ERROR(services_.codes.Consume(repos, code));
        std::string user_id;
        auto existing = repos.users().FindByAuthEmail(project_id, email);
        if (existing.ok()) {
          user_id = existing->user.id;
          // The code replaces the password, not the second factor: the
          // code is used up, and the TOTP step follows.
          if (existing->has_totp) {
            needs_second_factor = *existing;
            return absl::OkStatus();
          }
          // Receiving the code proves the address.
          if (!existing->primary_email_verified &&
              existing->primary_email == email) {
            UserChanges changes;
            changes.primary_email_verified = true;
            LATCHKEY_RETURN_IF_ERROR(
                UpdateUser(repos, project_id, user_id, changes, now));
          }
        } else if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        } else {
          if (!project.config.sign_up_enabled()) {
            return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
          }
          result.is_new_user = true;
          if (input.anonymous_user_id.has_value()) {
            // Upgrade: the anonymous user keeps its id, data and teams.
            user_id = *input.anonymous_user_id;
            auto current = repos.users().Get(project_id, user_id);
            if (!current.ok()) return UserNotFoundOr(current.status());
            current->user.is_anonymous = false;
            LATCHKEY_RETURN_IF_ERROR(repos.users().Update(current->user));
            UserChanges changes;
            changes.primary_email = std::optional<std::string>(email);
            changes.primary_email_verified = true;
            changes.primary_email_auth_enabled = true;
            changes.otp_auth_enabled = true;
            LATCHKEY_RETURN_IF_ERROR(
                UpdateUser(repos, project_id, user_id, changes, now));
          } else {
            NewUser user;
            LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
            user.user.project_id = project_id;
            user.user.signed_up_at = now;
            user.user.last_active_at = now;
            user.user.otp_auth_enabled = true;
            user.primary_email = email;
            user.primary_email_verified = true;
            user.primary_email_auth_enabled = true;
            LATCHKEY_RETURN_IF_ERROR(CreateUser(repos, user, now));
            user_id = user.user.id;
            auto created = repos.users().Get(project_id, user_id);
            if (!created.ok()) return UserNotFoundOr(created.status());
            LATCHKEY_RETURN_IF_ERROR(MaybeCreatePersonalTeam(repos, project_id,
                                                             project.config,
                                                             *created, now)
                                         .status());
          }
        }
        auto view = repos.users().Get(project_id, user_id);
        if (!view.ok()) return UserNotFoundOr(view.status());
        LATCHKEY_ASSIGN_OR_RETURN(
            result.signed_in,
            StartSession(services_.sessions, services_.token_issuer, repos,
                         project, *view));
        return absl::OkStatus();
      }));
  if (needs_second_factor.has_value()) {
    return RequireSecondFactor(services_, project, *needs_second_factor);
  }
  return result;
}

}  // namespace latchkey::service::core
