#include "service/core/personal_team.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/team_membership.h"

namespace latchkey::service::core {

std::string PersonalTeamName(const storage::UserView& user) {
  if (user.user.display_name.has_value() && !user.user.display_name->empty()) {
    return absl::StrCat(*user.user.display_name, "'s Team");
  }
  if (user.primary_email.has_value() && !user.primary_email->empty()) {
    return absl::StrCat(*user.primary_email, "'s Team");
  }
  return "Personal Team";
}

absl::StatusOr<std::optional<std::string>> MaybeCreatePersonalTeam(
    storage::Repositories& repos, const std::string& project_id,
    const identity::v1::ProjectConfig& config, const storage::UserView& user,
    absl::Time now) {
  if (!config.create_team_on_sign_up()) return std::nullopt;
  storage::TeamRecord team;
  LATCHKEY_ASSIGN_OR_RETURN(team.id, crypto::RandomUuidV4());
  team.project_id = project_id;
  team.display_name = PersonalTeamName(user);
  team.created_at = now;
  LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
  LATCHKEY_RETURN_IF_ERROR(
      AddMemberWithDefaults(repos, project_id, team.id, user.user.id,
                            config.team_creator_default_permissions(), now));
  storage::UserRecord selected = user.user;
  selected.selected_team_id = team.id;
  LATCHKEY_RETURN_IF_ERROR(repos.users().Update(selected));
  return team.id;
}

}  // namespace latchkey::service::core
