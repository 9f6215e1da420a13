#include "service/core/permission_grants.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "common/status_macros.h"
#include "service/core/team_membership.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

namespace v1 = identity::v1;
using storage::PermissionScope;

std::string ScopeName(PermissionScope scope) {
  return scope == PermissionScope::kTeam ? "team" : "project";
}

// PERMISSION_NOT_FOUND, or WRONG_PERMISSION_SCOPE when the id is defined
// at the other scope.
absl::Status RequireDefinedAt(storage::Repositories& repos,
                              const std::string& project_id,
                              PermissionScope scope,
                              const std::string& permission_id) {
  absl::Status here = repos.permissions()
                          .GetDefinition(project_id, scope, permission_id)
                          .status();
  if (!absl::IsNotFound(here)) return here;
  const PermissionScope other = scope == PermissionScope::kTeam
                                    ? PermissionScope::kProject
                                    : PermissionScope::kTeam;
  absl::Status there = repos.permissions()
                           .GetDefinition(project_id, other, permission_id)
                           .status();
  if (there.ok()) {
    return ApiError(v1::WRONG_PERMISSION_SCOPE,
                    {{"permission_id", permission_id},
                     {"expected_scope", ScopeName(scope)},
                     {"actual_scope", ScopeName(other)}});
  }
  if (!absl::IsNotFound(there)) return there;
  return ApiError(v1::PERMISSION_NOT_FOUND, {{"permission_id", permission_id}});
}

absl::Status NotHeldOr(const absl::Status& revoked,
                       const std::string& permission_id) {
  if (absl::IsNotFound(revoked)) {
    return ApiError(v1::PERMISSION_NOT_FOUND,
                    {{"permission_id", permission_id}},
                    "The user does not hold this permission directly.");
  }
  return revoked;
}

// The ids one subject holds: the direct grants, or with `recursive`
// everything they contain; then filtered to `only` when set.
std::vector<std::string> Held(const PermissionGraph& graph,
                              std::vector<std::string> direct, bool recursive,
                              const std::optional<std::string>& only) {
  std::vector<std::string> ids =
      recursive ? graph.Expand(direct) : std::move(direct);
  std::sort(ids.begin(), ids.end());
  if (only.has_value()) {
    ids.erase(
        std::remove_if(ids.begin(), ids.end(),
                       [&](const std::string& id) { return id != *only; }),
        ids.end());
  }
  return ids;
}

std::optional<std::string_view> ViewOf(const std::optional<std::string>& s) {
  return s.has_value() ? std::optional<std::string_view>(*s) : std::nullopt;
}

}  // namespace

absl::Status PermissionGrants::GrantTeam(
    const std::string& project_id, const std::string& team_id,
    const std::string& user_id, const std::string& permission_id) const {
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // Stack's order: the membership, then the permission.
        LATCHKEY_RETURN_IF_ERROR(
            RequireMember(repos, project_id, team_id, user_id));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(
            repos, project_id, PermissionScope::kTeam, permission_id));
        storage::TeamPermissionGrantRecord grant{project_id, team_id, user_id,
                                                 permission_id, clock_.Now()};
        // Granting again is a no-op, as in Stack.
        return repos.permissions().GrantTeamPermission(grant).status();
      });
}

absl::Status PermissionGrants::RevokeTeam(
    const std::string& project_id, const std::string& team_id,
    const std::string& user_id, const std::string& permission_id) const {
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            RequireMember(repos, project_id, team_id, user_id));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(
            repos, project_id, PermissionScope::kTeam, permission_id));
        return NotHeldOr(repos.permissions().RevokeTeamPermission(
                             project_id, team_id, user_id, permission_id),
                         permission_id);
      });
}

absl::Status PermissionGrants::GrantProject(
    const std::string& project_id, const std::string& user_id,
    const std::string& permission_id) const {
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            UserNotFoundOr(repos.users().Get(project_id, user_id).status()));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(
            repos, project_id, PermissionScope::kProject, permission_id));
        storage::ProjectPermissionGrantRecord grant{
            project_id, user_id, permission_id, clock_.Now()};
        return repos.permissions().GrantProjectPermission(grant).status();
      });
}

absl::Status PermissionGrants::RevokeProject(
    const std::string& project_id, const std::string& user_id,
    const std::string& permission_id) const {
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            UserNotFoundOr(repos.users().Get(project_id, user_id).status()));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(
            repos, project_id, PermissionScope::kProject, permission_id));
        return NotHeldOr(repos.permissions().RevokeProjectPermission(
                             project_id, user_id, permission_id),
                         permission_id);
      });
}

absl::StatusOr<std::vector<PermissionGrants::HeldTeamPermission>>
PermissionGrants::ListTeam(const TeamActor& actor,
                           const ListQuery& query) const {
  if (actor.client) {
    LATCHKEY_RETURN_IF_ERROR(RequireSelf(actor, query.user_id.value_or("")));
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  std::vector<storage::TeamPermissionGrantRecord> grants;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            grants, repos.permissions().ListTeamGrants(actor.project_id,
                                                       ViewOf(query.team_id),
                                                       ViewOf(query.user_id)));
        return absl::OkStatus();
      }));
  std::map<std::pair<std::string, std::string>, std::vector<std::string>>
      direct;
  for (storage::TeamPermissionGrantRecord& g : grants) {
    direct[{g.team_id, g.user_id}].push_back(std::move(g.permission_id));
  }
  std::vector<HeldTeamPermission> held;
  for (auto& [subject, ids] : direct) {
    for (std::string& id : Held(compiled->team, std::move(ids), query.recursive,
                                query.permission_id)) {
      held.push_back({std::move(id), subject.first, subject.second});
    }
  }
  return held;
}

absl::StatusOr<std::vector<PermissionGrants::HeldProjectPermission>>
PermissionGrants::ListProject(const TeamActor& actor,
                              const ListQuery& query) const {
  if (actor.client) {
    LATCHKEY_RETURN_IF_ERROR(RequireSelf(actor, query.user_id.value_or("")));
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  std::vector<storage::ProjectPermissionGrantRecord> grants;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(grants,
                                  repos.permissions().ListProjectGrants(
                                      actor.project_id, ViewOf(query.user_id)));
        return absl::OkStatus();
      }));
  std::map<std::string, std::vector<std::string>> direct;
  for (storage::ProjectPermissionGrantRecord& g : grants) {
    direct[g.user_id].push_back(std::move(g.permission_id));
  }
  std::vector<HeldProjectPermission> held;
  for (auto& [user, ids] : direct) {
    for (std::string& id : Held(compiled->project, std::move(ids),
                                query.recursive, query.permission_id)) {
      held.push_back({std::move(id), user});
    }
  }
  return held;
}

}  // namespace latchkey::service::core
