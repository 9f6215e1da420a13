#include "service/core/team_actor.h"

#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::Status RequireSelf(const TeamActor& actor, std::string_view user_id) {
  if (!actor.client) return absl::OkStatus();
  if (!actor.user_id.empty() && actor.user_id == user_id) {
    return absl::OkStatus();
  }
  return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
}

absl::Status RequireClientTeamPermission(storage::Repositories& repos,
                                         const TeamActor& actor,
                                         const CompiledPermissions& compiled,
                                         std::string_view team_id,
                                         std::string_view permission_id) {
  if (!actor.client) return absl::OkStatus();
  return RequireTeamPermission(repos, compiled, actor.project_id, team_id,
                               actor.user_id, permission_id);
}

absl::Status TeamNotFoundOr(const absl::Status& status,
                            std::string_view team_id) {
  if (absl::IsNotFound(status)) {
    return ApiError(identity::v1::TEAM_NOT_FOUND,
                    {{"team_id", std::string(team_id)}});
  }
  return status;
}

absl::Status MembershipNotFoundOr(const absl::Status& status,
                                  std::string_view team_id,
                                  std::string_view user_id) {
  if (absl::IsNotFound(status)) {
    return ApiError(
        identity::v1::TEAM_MEMBERSHIP_NOT_FOUND,
        {{"team_id", std::string(team_id)}, {"user_id", std::string(user_id)}});
  }
  return status;
}

}  // namespace latchkey::service::core
