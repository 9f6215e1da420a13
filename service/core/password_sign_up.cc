#include "service/core/password_sign_up.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/personal_team.h"
#include "service/core/redirect_urls.h"
#include "service/core/team_membership.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

absl::StatusOr<storage::UserView> LoadUser(storage::Repositories& repos,
                                           const std::string& project_id,
                                           const std::string& user_id) {
  absl::StatusOr<storage::UserView> view =
      repos.users().Get(project_id, user_id);
  if (!view.ok()) return UserNotFoundOr(view.status());
  return view;
}

}  // namespace

absl::StatusOr<PasswordSignUp::Result> PasswordSignUp::Run(
    const Input& input) const {
  const ProjectSnapshot& project = input.project;
  if (!project.config.sign_up_enabled()) {
    return ApiError(identity::v1::SIGN_UP_NOT_ENABLED);
  }
  if (!project.config.credential_enabled()) {
    return ApiError(identity::v1::PASSWORD_AUTHENTICATION_NOT_ENABLED);
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            NormalizeEmail(input.email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(CheckPasswordPolicy(input.password, project.config));
  if (input.verification_callback_url.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckRedirectUrl(project, *input.verification_callback_url));
  }
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.Consume(
      project.project.id, absl::StrCat("sign_up_ip:", input.client_ip),
      project.config.rate_limits().sign_up_per_ip()));
  // Hashing is slow: never inside the transaction.
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash, services_.passwords.Hash(input.password, project.config,
                                                 project.project.id));
  const PasswordHash password{hash, PasswordAlgorithm::kArgon2id};
  const std::optional<std::string>& anonymous = input.anonymous_user_id;
  const absl::Time now = services_.clock.Now();

  std::optional<SignedIn> signed_in;
  std::optional<VerificationEmail> verification;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
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
          UserChanges changes;
          changes.primary_email = std::optional<std::string>(email);
          changes.primary_email_auth_enabled = true;
          changes.password = std::optional<PasswordHash>(password);
          LATCHKEY_RETURN_IF_ERROR(
              UpdateUser(repos, project.project.id, user_id, changes, now));
        } else {
          NewUser user;
          LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
          user.user.project_id = project.project.id;
          user.user.signed_up_at = now;
          user.user.last_active_at = now;
          user.primary_email = email;
          user.primary_email_auth_enabled = true;
          user.password = password;
          LATCHKEY_RETURN_IF_ERROR(CreateUser(repos, user, now));
          user_id = user.user.id;
        }
        LATCHKEY_ASSIGN_OR_RETURN(storage::UserView view,
                                  LoadUser(repos, project.project.id, user_id));
        if (!anonymous.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(
              MaybeCreatePersonalTeam(repos, project.project.id, project.config,
                                      view, services_.clock.Now())
                  .status());
          LATCHKEY_ASSIGN_OR_RETURN(
              view, LoadUser(repos, project.project.id, user_id));
        }
        if (input.verification_callback_url.has_value()) {
          VerificationCodes::Spec spec;
          spec.purpose = std::string(kEmailVerificationPurpose);
          spec.user_id = user_id;
          spec.email = email;
          LATCHKEY_ASSIGN_OR_RETURN(
              NewVerificationCode code,
              services_.codes.Create(repos, project.project.id, spec));
          verification = VerificationEmail{email, std::move(code.code)};
        }
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services_.sessions, services_.token_issuer,
                                    repos, project, view));
        return absl::OkStatus();
      }));
  return Result{*std::move(signed_in), std::move(verification)};
}

}  // namespace latchkey::service::core
