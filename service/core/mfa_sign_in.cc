#include "service/core/mfa_sign_in.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/secret_box.h"
#include "crypto/totp.h"
#include "service/core/totp_secrets.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<SignedIn> FinishFirstFactor(const SignInServices& services,
                                           const ProjectSnapshot& project,
                                           const storage::UserView& user) {
  if (user.has_totp) return RequireSecondFactor(services, project, user);
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(services.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services.sessions, services.token_issuer,
                                    repos, project, user));
        return repos.users().TouchLastActive(project.project.id, user.user.id,
                                             services.clock.Now());
      }));
  return *std::move(signed_in);
}

absl::Status RequireSecondFactor(const SignInServices& services,
                                 const ProjectSnapshot& project,
                                 const storage::UserView& user) {
  std::optional<NewVerificationCode> attempt;
  LATCHKEY_RETURN_IF_ERROR(services.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kMfaAttemptPurpose);
        spec.user_id = user.user.id;
        spec.lifetime = absl::Minutes(5);
        spec.max_attempts = 5;
        LATCHKEY_ASSIGN_OR_RETURN(
            attempt, services.codes.Create(repos, project.project.id, spec));
        return absl::OkStatus();
      }));
  return ApiError(identity::v1::MULTI_FACTOR_AUTHENTICATION_REQUIRED,
                  {{"attempt_code", attempt->code}});
}

absl::StatusOr<SignedIn> MfaSignIn::Run(const Input& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord attempt,
      services_.codes.Verify(project.project.id, kMfaAttemptPurpose,
                             input.attempt_code));
  if (!attempt.user_id.has_value()) {
    return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
  }
  // A wrong TOTP does not use up the attempt code, so without this one
  // attempt code would allow unlimited guesses for its lifetime. Limited
  // like password guesses, keyed on the user.
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.ConsumeGuess(
      project.project.id, absl::StrCat("mfa_sign_in_user:", *attempt.user_id),
      input.client_ip, project.config.rate_limits().sign_in_per_account()));
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox box,
      TotpSecretBox(server_secret_, previous_server_secret_));
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().Get(project.project.id, *attempt.user_id);
        if (!user.ok()) return UserNotFoundOr(user.status());
        absl::StatusOr<storage::TotpSecretRecord> secret =
            repos.credentials().GetTotpSecret(project.project.id,
                                              user->user.id);
        if (!secret.ok()) return ApiError(identity::v1::INVALID_TOTP_CODE);
        LATCHKEY_ASSIGN_OR_RETURN(
            crypto::SecretBox::Opened seed,
            OpenTotpSecret(box, project.project.id, user->user.id,
                           secret->encrypted_secret));
        LATCHKEY_ASSIGN_OR_RETURN(
            crypto::Totp totp,
            crypto::Totp::Create(seed.plaintext, services_.clock));
        LATCHKEY_ASSIGN_OR_RETURN(crypto::TotpCheck check,
                                  totp.Verify(input.totp));
        if (!check.valid) return ApiError(identity::v1::INVALID_TOTP_CODE);
        LATCHKEY_RETURN_IF_ERROR(services_.codes.Consume(repos, attempt));
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services_.sessions, services_.token_issuer,
                                    repos, project, *user));
        return absl::OkStatus();
      }));
  return *std::move(signed_in);
}

}  // namespace latchkey::service::core
