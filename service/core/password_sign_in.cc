#include "service/core/password_sign_in.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "service/core/emails.h"
#include "service/core/mfa_sign_in.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<SignedIn> PasswordSignIn::Run(const Input& input) const {
  const ProjectSnapshot& project = input.project;
  if (!project.config.credential_enabled()) {
    return ApiError(identity::v1::PASSWORD_AUTHENTICATION_NOT_ENABLED);
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            NormalizeEmail(input.email, "body.email"));
  const identity::v1::RateLimits& limits = project.config.rate_limits();
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.Consume(
      project.project.id, absl::StrCat("sign_in_ip:", input.client_ip),
      limits.sign_in_per_ip()));
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.ConsumeGuess(
      project.project.id, absl::StrCat("sign_in_account:", email),
      input.client_ip, limits.sign_in_per_account()));

  absl::StatusOr<storage::UserView> user;
  absl::StatusOr<storage::PasswordCredentialRecord> credential =
      absl::NotFoundError("no user");
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
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
    LATCHKEY_RETURN_IF_ERROR(services_.passwords.VerifyDummy(
        input.password, project.config, project.project.id));
    return ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::PasswordCheck check,
      services_.passwords.Verify(input.password, credential->password_hash,
                                 project.config, project.project.id));
  if (!check.matches) return ApiError(identity::v1::EMAIL_PASSWORD_MISMATCH);
  if (check.needs_rehash) {
    // An imported bcrypt hash (or weaker argon2 parameters) becomes the
    // project's argon2id now that the password is known. Hashing is slow:
    // never inside a transaction.
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string hash,
        services_.passwords.Hash(input.password, project.config,
                                 project.project.id));
    LATCHKEY_RETURN_IF_ERROR(
        services_.database.Run([&](storage::Repositories& repos) {
          storage::PasswordCredentialRecord upgraded = *credential;
          upgraded.password_hash = hash;
          upgraded.algorithm =
              std::string(PasswordAlgorithmName(PasswordAlgorithm::kArgon2id));
          upgraded.updated_at = services_.clock.Now();
          return repos.credentials().SetPassword(project.project.id, upgraded);
        }));
  }
  return FinishFirstFactor(services_, project, *user);
}

}  // namespace latchkey::service::core
