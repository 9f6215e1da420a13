#include "service/core/user_details.h"

#include <utility>

#include "common/status_macros.h"
#include "service/core/users.h"

namespace latchkey::service::core {

absl::StatusOr<UserDetails> ReadUserDetails(storage::Repositories& repos,
                                            storage::UserView view) {
  UserDetails out;
  out.view = std::move(view);
  const storage::UserRecord& user = out.view.user;
  // Most users link no provider; the view says so, saving a round trip.
  if (out.view.has_oauth_accounts) {
    LATCHKEY_ASSIGN_OR_RETURN(
        out.oauth_accounts,
        repos.oauth_accounts().ListForUser(user.project_id, user.id));
  }
  if (user.selected_team_id.has_value()) {
    absl::StatusOr<storage::TeamRecord> team =
        repos.teams().Get(user.project_id, *user.selected_team_id);
    if (team.ok()) {
      out.selected_team = *std::move(team);
    } else if (team.status().code() != absl::StatusCode::kNotFound) {
      return team.status();
    }
  }
  return out;
}

absl::StatusOr<UserDetails> ReadUserDetails(storage::Repositories& repos,
                                            const std::string& project_id,
                                            const std::string& user_id) {
  absl::StatusOr<storage::UserView> view =
      repos.users().Get(project_id, user_id);
  if (!view.ok()) return UserNotFoundOr(view.status());
  return ReadUserDetails(repos, *std::move(view));
}

absl::StatusOr<UserDetails> LoadUserDetails(storage::Database& database,
                                            const std::string& project_id,
                                            const std::string& user_id) {
  absl::StatusOr<UserDetails> details;
  LATCHKEY_RETURN_IF_ERROR(
      database.Run([&](storage::Repositories& repos) -> absl::Status {
        details = ReadUserDetails(repos, project_id, user_id);
        return details.status();
      }));
  return details;
}

}  // namespace latchkey::service::core
