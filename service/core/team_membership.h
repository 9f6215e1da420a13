#ifndef SERVICE_CORE_TEAM_MEMBERSHIP_H_
#define SERVICE_CORE_TEAM_MEMBERSHIP_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Membership rules shared by the team methods, invitations and the user
// methods, inside the caller's transaction. Errors are catalogue errors
// (api_error.h) or the repositories' own. Stateless; thread-safe.

// For selecting a team (PATCH /users/me, /users/{id} selected_team_id) and
// anything else that needs "this team exists and the user is in it":
// TEAM_NOT_FOUND {team_id} when the project has no such team,
// TEAM_MEMBERSHIP_NOT_FOUND {team_id, user_id} when the user is not a
// member.
absl::Status RequireSelectableTeam(storage::Repositories& repos,
                                   std::string_view project_id,
                                   std::string_view team_id,
                                   std::string_view user_id);

// Stack's membership check for client callers: TEAM_MEMBERSHIP_NOT_FOUND
// {team_id, user_id} whether or not the team exists, so that a non-member
// learns nothing about other teams.
absl::Status RequireMember(storage::Repositories& repos,
                           std::string_view project_id,
                           std::string_view team_id, std::string_view user_id);

// Adds `user_id` to `team_id` and grants `default_permissions` (the
// project's team_creator_ or team_member_default_permissions) in the team.
// Defaults that are not team-scope definitions (an administrator deleted
// or renamed one) are skipped rather than failing every join.
// USER_NOT_FOUND, TEAM_NOT_FOUND {team_id}, TEAM_MEMBERSHIP_ALREADY_EXISTS.
absl::Status AddMemberWithDefaults(
    storage::Repositories& repos, std::string_view project_id,
    std::string_view team_id, std::string_view user_id,
    const google::protobuf::RepeatedPtrField<std::string>& default_permissions,
    absl::Time now);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAM_MEMBERSHIP_H_
