#include "service/core/email_verification.h"

#include <optional>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<CodeMail> EmailVerification::SendCode(
    const SendInput& input) const {
  const ProjectSnapshot& project = input.project;
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            AdmitMailTo(services_.rate_limiter, project,
                                        input.email, input.callback_url));
  std::optional<NewVerificationCode> code;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto user = repos.users().Get(project.project.id, input.user_id);
        if (!user.ok()) return UserNotFoundOr(user.status());
        if (user->primary_email != email) {
          return ApiError(
              identity::v1::EMAIL_IS_NOT_PRIMARY_EMAIL,
              {{"email", email},
               {"primary_email", user->primary_email.value_or("")}});
        }
        if (user->primary_email_verified) {
          return ApiError(identity::v1::EMAIL_ALREADY_VERIFIED);
        }
        VerificationCodes::Spec spec;
        spec.purpose = std::string(kEmailVerificationPurpose);
        spec.user_id = user->user.id;
        spec.email = email;
        LATCHKEY_ASSIGN_OR_RETURN(
            code, services_.codes.Create(repos, project.project.id, spec));
        return absl::OkStatus();
      }));
  return CodeMailFor(std::move(email), *code);
}

absl::Status EmailVerification::Verify(const ProjectSnapshot& project,
                                       absl::string_view code_text) const {
  const std::string& project_id = project.project.id;
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::VerificationCodeRecord code,
      services_.codes.Verify(project_id, kEmailVerificationPurpose, code_text));
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(services_.codes.Consume(repos, code));
        if (!code.user_id.has_value() || !code.email.has_value()) {
          return ApiError(identity::v1::VERIFICATION_CODE_NOT_FOUND);
        }
        // The code names a user and an address, not a channel: whichever of
        // the user's channels has that address now is the one proven.
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::ContactChannelRecord> channels,
            repos.contact_channels().ListForUser(project_id, *code.user_id));
        for (storage::ContactChannelRecord& channel : channels) {
          if (channel.type != "email" || channel.value != *code.email) {
            continue;
          }
          if (channel.is_verified) {
            return ApiError(identity::v1::EMAIL_ALREADY_VERIFIED);
          }
          channel.is_verified = true;
          return repos.contact_channels().Update(channel);
        }
        return ApiError(identity::v1::UNKNOWN_CONTACT_CHANNEL);
      });
}

}  // namespace latchkey::service::core
