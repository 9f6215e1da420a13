#include "service/core/team_membership.h"

#include "common/status_macros.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

absl::Status MembershipNotFound(std::string_view team_id,
                                std::string_view user_id) {
  return ApiError(
      identity::v1::TEAM_MEMBERSHIP_NOT_FOUND,
      {{"team_id", std::string(team_id)}, {"user_id", std::string(user_id)}});
}

}  // namespace

absl::Status RequireSelectableTeam(storage::Repositories& repos,
                                   std::string_view project_id,
                                   std::string_view team_id,
                                   std::string_view user_id) {
  absl::Status team = repos.teams().Get(project_id, team_id).status();
  if (absl::IsNotFound(team)) {
    return ApiError(identity::v1::TEAM_NOT_FOUND,
                    {{"team_id", std::string(team_id)}});
  }
  LATCHKEY_RETURN_IF_ERROR(team);
  return RequireMember(repos, project_id, team_id, user_id);
}

absl::Status RequireMember(storage::Repositories& repos,
                           std::string_view project_id,
                           std::string_view team_id, std::string_view user_id) {
  absl::Status member =
      repos.teams().GetMember(project_id, team_id, user_id).status();
  if (absl::IsNotFound(member)) return MembershipNotFound(team_id, user_id);
  return member;
}

absl::Status AddMemberWithDefaults(
    storage::Repositories& repos, std::string_view project_id,
    std::string_view team_id, std::string_view user_id,
    const google::protobuf::RepeatedPtrField<std::string>& default_permissions,
    absl::Time now) {
  // Stack's order: the user, the team, then the membership.
  absl::Status user = repos.users().Get(project_id, user_id).status();
  if (absl::IsNotFound(user)) return ApiError(identity::v1::USER_NOT_FOUND);
  LATCHKEY_RETURN_IF_ERROR(user);
  absl::Status team = repos.teams().Get(project_id, team_id).status();
  if (absl::IsNotFound(team)) {
    return ApiError(identity::v1::TEAM_NOT_FOUND,
                    {{"team_id", std::string(team_id)}});
  }
  LATCHKEY_RETURN_IF_ERROR(team);
  storage::TeamMemberRecord member;
  member.project_id = std::string(project_id);
  member.team_id = std::string(team_id);
  member.user_id = std::string(user_id);
  member.created_at = now;
  absl::Status added = repos.teams().AddMember(member);
  if (added.code() == absl::StatusCode::kAlreadyExists) {
    return ApiError(identity::v1::TEAM_MEMBERSHIP_ALREADY_EXISTS);
  }
  LATCHKEY_RETURN_IF_ERROR(added);
  for (const std::string& permission_id : default_permissions) {
    absl::Status defined =
        repos.permissions()
            .GetDefinition(project_id, storage::PermissionScope::kTeam,
                           permission_id)
            .status();
    if (absl::IsNotFound(defined)) continue;
    LATCHKEY_RETURN_IF_ERROR(defined);
    storage::TeamPermissionGrantRecord grant;
    grant.project_id = member.project_id;
    grant.team_id = member.team_id;
    grant.user_id = member.user_id;
    grant.permission_id = permission_id;
    grant.created_at = now;
    LATCHKEY_RETURN_IF_ERROR(
        repos.permissions().GrantTeamPermission(grant).status());
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
