#include "service/core/teams.h"

#include <utility>

#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/image_urls.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<std::vector<storage::TeamRecord>> Teams::List(
    const TeamActor& actor, const std::optional<std::string>& user_id) const {
  // Clients list their own teams only (Stack: user_id must be "me").
  if (actor.client) {
    LATCHKEY_RETURN_IF_ERROR(RequireSelf(actor, user_id.value_or("")));
  }
  std::vector<storage::TeamRecord> teams;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        if (user_id.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(UserNotFoundOr(
              repos.users().Get(actor.project_id, *user_id).status()));
          LATCHKEY_ASSIGN_OR_RETURN(
              teams, repos.teams().ListForUser(actor.project_id, *user_id));
        } else {
          LATCHKEY_ASSIGN_OR_RETURN(teams,
                                    repos.teams().List(actor.project_id));
        }
        return absl::OkStatus();
      }));
  return teams;
}

absl::StatusOr<storage::TeamRecord> Teams::Create(
    const CreateInput& input) const {
  const TeamActor& actor = input.actor;
  if (actor.client) {
    if (!input.config.client_team_creation_enabled()) {
      return ApiError(identity::v1::CLIENT_TEAM_CREATION_NOT_ENABLED);
    }
    // A client creates teams as itself.
    LATCHKEY_RETURN_IF_ERROR(
        RequireSelf(actor, input.creator_user_id.value_or("")));
  }
  if (input.team.profile_image_url.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckImageUrl("body.profile_image_url", *input.team.profile_image_url));
  }
  storage::TeamRecord team;
  LATCHKEY_ASSIGN_OR_RETURN(team.id, crypto::RandomUuidV4());
  team.project_id = actor.project_id;
  team.display_name = input.team.display_name;
  team.profile_image_url = input.team.profile_image_url;
  if (input.team.client_metadata_json.has_value()) {
    team.client_metadata_json = *input.team.client_metadata_json;
  }
  if (input.team.client_read_only_metadata_json.has_value()) {
    team.client_read_only_metadata_json =
        *input.team.client_read_only_metadata_json;
  }
  if (input.team.server_metadata_json.has_value()) {
    team.server_metadata_json = *input.team.server_metadata_json;
  }
  team.created_at = clock_.Now();
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
        if (!input.creator_user_id.has_value()) return absl::OkStatus();
        return AddMemberWithDefaults(
            repos, actor.project_id, team.id, *input.creator_user_id,
            input.config.team_creator_default_permissions(), team.created_at);
      }));
  return team;
}

absl::StatusOr<storage::TeamRecord> Teams::Get(
    const TeamActor& actor, const std::string& team_id) const {
  absl::StatusOr<storage::TeamRecord> team;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        if (actor.client) {
          LATCHKEY_RETURN_IF_ERROR(
              RequireMember(repos, actor.project_id, team_id, actor.user_id));
        }
        team = repos.teams().Get(actor.project_id, team_id);
        return TeamNotFoundOr(team.status(), team_id);
      }));
  return team;
}

absl::StatusOr<storage::TeamRecord> Teams::Update(
    const TeamActor& actor, const std::string& team_id,
    const Changes& changes) const {
  if (changes.profile_image_url.has_value() &&
      changes.profile_image_url->has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckImageUrl("body.profile_image_url", **changes.profile_image_url));
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  storage::TeamRecord team;
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
            repos, actor, *compiled, team_id, "$update_team"));
        absl::StatusOr<storage::TeamRecord> found =
            repos.teams().Get(actor.project_id, team_id);
        LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(found.status(), team_id));
        team = *std::move(found);
        if (changes.display_name.has_value()) {
          team.display_name = *changes.display_name;
        }
        if (changes.profile_image_url.has_value()) {
          team.profile_image_url = *changes.profile_image_url;
        }
        if (changes.client_metadata_json.has_value()) {
          team.client_metadata_json = *changes.client_metadata_json;
        }
        if (changes.client_read_only_metadata_json.has_value()) {
          team.client_read_only_metadata_json =
              *changes.client_read_only_metadata_json;
        }
        if (changes.server_metadata_json.has_value()) {
          team.server_metadata_json = *changes.server_metadata_json;
        }
        return repos.teams().Update(team);
      }));
  return team;
}

absl::Status Teams::Delete(const TeamActor& actor,
                           const std::string& team_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  // Memberships, grants and invitations go by cascade, in this one
  // transaction; users who had selected the team get none.
  return database_.RunInTransaction([&](storage::Repositories& repos) {
    LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
        repos, actor, *compiled, team_id, "$delete_team"));
    return TeamNotFoundOr(repos.teams().Delete(actor.project_id, team_id),
                          team_id);
  });
}

}  // namespace latchkey::service::core
