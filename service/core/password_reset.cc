#include "service/core/password_reset.h"

#include <utility>

#include "common/status_macros.h"
#include "service/core/passwords.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<std::optional<CodeMail>> PasswordReset::SendCode(
    const SendInput& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            AdmitMailTo(services_.rate_limiter, project,
                                        input.email, input.callback_url));
  std::optional<CodeMail> mail;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        mail.reset();
        auto user = repos.users().FindByAuthEmail(project.project.id, email);
        if (!user.ok()) {
          return user.status().code() == absl::StatusCode::kNotFound
                     ? absl::OkStatus()
                     : user.status();
        }
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kPasswordResetPurpose);
        spec.user_id = user->user.id;
        spec.email = email;
        LATCHKEY_ASSIGN_OR_RETURN(
            NewVerificationCode code,
            services_.codes.Create(repos, project.project.id, spec));
        mail = CodeMailFor(email, code);
        return absl::OkStatus();
      }));
  return mail;
}

absl::Status PasswordReset::Reset(const ResetInput& input) const {
  const ProjectSnapshot& project = input.project;
  const std::string& project_id = project.project.id;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      services_.codes.Verify(project_id, kPasswordResetPurpose, input.code));
  LATCHKEY_RETURN_IF_ERROR(
      CheckPasswordPolicy(input.new_password, project.config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      services_.passwords.Hash(input.new_password, project.config, project_id));
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(services_.codes.Consume(repos, code));
        if (!code.user_id.has_value()) {
          return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
        }
        UserChanges changes;
        changes.password = std::optional<PasswordHash>(
            PasswordHash{hash, PasswordAlgorithm::kArgon2id});
        LATCHKEY_RETURN_IF_ERROR(UpdateUser(repos, project_id, *code.user_id,
                                            changes, services_.clock.Now()));
        return repos.sessions()
            .DeleteAllForUser(project_id, *code.user_id)
            .status();
      });
}

}  // namespace latchkey::service::core
