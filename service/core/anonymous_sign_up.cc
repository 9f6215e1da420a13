#include "service/core/anonymous_sign_up.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/personal_team.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<SignedIn> AnonymousSignUp::Run(const Input& input) const {
  const ProjectSnapshot& project = input.project;
  if (!project.config.anonymous_accounts_enabled()) {
    return ApiError(identity::v1::ANONYMOUS_ACCOUNTS_NOT_ENABLED);
  }
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.Consume(
      project.project.id,
      absl::StrCat("anonymous_sign_up_ip:", input.client_ip),
      project.config.rate_limits().anonymous_sign_up_per_ip()));

  storage::UserView user;
  LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
  user.user.project_id = project.project.id;
  user.user.is_anonymous = true;
  user.user.signed_up_at = services_.clock.Now();
  user.user.last_active_at = user.user.signed_up_at;
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.users().Create(user.user));
        LATCHKEY_ASSIGN_OR_RETURN(
            std::optional<std::string> team,
            MaybeCreatePersonalTeam(repos, project.project.id, project.config,
                                    user, user.user.signed_up_at));
        storage::UserView session_user = user;
        session_user.user.selected_team_id = team;
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services_.sessions, services_.token_issuer,
                                    repos, project, session_user));
        return absl::OkStatus();
      }));
  return *std::move(signed_in);
}

}  // namespace latchkey::service::core
