#include "service/core/password_changes.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "service/core/passwords.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

UserChanges NewPassword(std::string hash) {
  UserChanges changes;
  changes.password = std::optional<PasswordHash>(
      PasswordHash{std::move(hash), PasswordAlgorithm::kArgon2id});
  return changes;
}

}  // namespace

absl::Status PasswordChanges::Update(const UpdateInput& input) const {
  const ProjectSnapshot& project = input.project;
  const std::string& project_id = project.project.id;
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.ConsumeWithBackoff(
      project_id, absl::StrCat("password_update:", input.user_id),
      project.config.rate_limits().password_update_per_account()));
  absl::StatusOr<storage::PasswordCredentialRecord> credential;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) {
        credential = repos.credentials().GetPassword(project_id, input.user_id);
        return credential.ok() ||
                       credential.status().code() == absl::StatusCode::kNotFound
                   ? absl::OkStatus()
                   : credential.status();
      }));
  if (!credential.ok()) {
    return ApiError(identity::v1::USER_DOES_NOT_HAVE_PASSWORD);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::PasswordCheck check,
      services_.passwords.Verify(input.old_password, credential->password_hash,
                                 project.config, project_id));
  if (!check.matches) {
    return ApiError(identity::v1::PASSWORD_CONFIRMATION_MISMATCH);
  }
  LATCHKEY_RETURN_IF_ERROR(
      CheckPasswordPolicy(input.new_password, project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      services_.passwords.Hash(input.new_password, project.config, project_id));
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(UpdateUser(repos, project_id, input.user_id,
                                            NewPassword(hash),
                                            services_.clock.Now()));
        return repos.sessions()
            .DeleteAllForUser(project_id, input.user_id, input.session_to_keep)
            .status();
      });
}

absl::Status PasswordChanges::Set(const SetInput& input) const {
  const ProjectSnapshot& project = input.project;
  const std::string& project_id = project.project.id;
  LATCHKEY_RETURN_IF_ERROR(CheckPasswordPolicy(input.password, project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      services_.passwords.Hash(input.password, project.config, project_id));
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto existing =
            repos.credentials().GetPassword(project_id, input.user_id);
        if (existing.ok()) return ApiError(identity::v1::PASSWORD_ALREADY_SET);
        if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        }
        return UpdateUser(repos, project_id, input.user_id, NewPassword(hash),
                          services_.clock.Now());
      });
}

}  // namespace latchkey::service::core
