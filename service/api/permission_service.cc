#include "service/api/permission_service.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "identity/v1/team_permission.pb.h"
#include "service/api/permission_definitions.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {
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

absl::StatusOr<v1::TeamPermission> GrantTeam(
    AppContext& context, CallContext& call,
    const v1::GrantTeamPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // Stack's order: the membership, then the permission.
        LATCHKEY_RETURN_IF_ERROR(core::RequireMember(repos, caller.project_id,
                                                     r.team_id(), user_id));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(repos, caller.project_id,
                                                  PermissionScope::kTeam,
                                                  r.permission_id()));
        storage::TeamPermissionGrantRecord grant{caller.project_id, r.team_id(),
                                                 user_id, r.permission_id(),
                                                 context.clock.Now()};
        // Granting again is a no-op, as in Stack.
        return repos.permissions().GrantTeamPermission(grant).status();
      }));
  v1::TeamPermission out;
  out.set_id(r.permission_id());
  out.set_team_id(r.team_id());
  out.set_user_id(user_id);
  return out;
}

absl::StatusOr<v1::SuccessResponse> RevokeTeam(
    AppContext& context, CallContext& call,
    const v1::RevokeTeamPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(core::RequireMember(repos, caller.project_id,
                                                     r.team_id(), user_id));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(repos, caller.project_id,
                                                  PermissionScope::kTeam,
                                                  r.permission_id()));
        absl::Status revoked = repos.permissions().RevokeTeamPermission(
            caller.project_id, r.team_id(), user_id, r.permission_id());
        if (absl::IsNotFound(revoked)) {
          return ApiError(v1::PERMISSION_NOT_FOUND,
                          {{"permission_id", r.permission_id()}},
                          "The user does not hold this permission directly.");
        }
        return revoked;
      }));
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::StatusOr<v1::ProjectPermission> GrantProject(
    AppContext& context, CallContext& call,
    const v1::GrantProjectPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(core::UserNotFoundOr(
            repos.users().Get(caller.project_id, user_id).status()));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(repos, caller.project_id,
                                                  PermissionScope::kProject,
                                                  r.permission_id()));
        storage::ProjectPermissionGrantRecord grant{
            caller.project_id, user_id, r.permission_id(), context.clock.Now()};
        return repos.permissions().GrantProjectPermission(grant).status();
      }));
  v1::ProjectPermission out;
  out.set_id(r.permission_id());
  out.set_user_id(user_id);
  return out;
}

absl::StatusOr<v1::SuccessResponse> RevokeProject(
    AppContext& context, CallContext& call,
    const v1::RevokeProjectPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(core::UserNotFoundOr(
            repos.users().Get(caller.project_id, user_id).status()));
        LATCHKEY_RETURN_IF_ERROR(RequireDefinedAt(repos, caller.project_id,
                                                  PermissionScope::kProject,
                                                  r.permission_id()));
        absl::Status revoked = repos.permissions().RevokeProjectPermission(
            caller.project_id, user_id, r.permission_id());
        if (absl::IsNotFound(revoked)) {
          return ApiError(v1::PERMISSION_NOT_FOUND,
                          {{"permission_id", r.permission_id()}},
                          "The user does not hold this permission directly.");
        }
        return revoked;
      }));
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

// The ids one subject holds: the direct grants, or with `recursive`
// everything they contain; then filtered to `only` when set.
std::vector<std::string> Held(const core::PermissionGraph& graph,
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

// The user a permission listing is about ("me" resolved), if it names one;
// a client may only list its own.
template <typename ListRequest>
absl::StatusOr<std::optional<std::string>> ListedUser(const Caller& caller,
                                                      const ListRequest& r) {
  std::optional<std::string> user_id;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(user_id, ResolveUserId(caller, r.user_id()));
  }
  if (IsClient(caller)) {
    LATCHKEY_RETURN_IF_ERROR(
        RequireSelfForClient(caller, user_id.value_or("")));
  }
  return user_id;
}

absl::StatusOr<v1::ListTeamPermissionsResponse> ListTeam(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::ListTeamPermissionsRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> user_id,
                            ListedUser(caller, r));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  std::vector<storage::TeamPermissionGrantRecord> grants;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            grants,
            repos.permissions().ListTeamGrants(
                caller.project_id,
                r.has_team_id() ? std::optional<std::string_view>(r.team_id())
                                : std::nullopt,
                user_id.has_value() ? std::optional<std::string_view>(*user_id)
                                    : std::nullopt));
        return absl::OkStatus();
      }));
  // Storage orders by team, user, permission: group consecutive rows.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>>
      direct;
  for (storage::TeamPermissionGrantRecord& g : grants) {
    direct[{g.team_id, g.user_id}].push_back(std::move(g.permission_id));
  }
  const std::optional<std::string> only =
      r.has_permission_id() ? std::optional<std::string>(r.permission_id())
                            : std::nullopt;
  v1::ListTeamPermissionsResponse response;
  for (auto& [subject, ids] : direct) {
    for (std::string& id :
         Held(compiled->team, std::move(ids), r.recursive(), only)) {
      v1::TeamPermission* item = response.add_items();
      item->set_id(std::move(id));
      item->set_team_id(subject.first);
      item->set_user_id(subject.second);
    }
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::ListProjectPermissionsResponse> ListProject(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::ListProjectPermissionsRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> user_id,
                            ListedUser(caller, r));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  std::vector<storage::ProjectPermissionGrantRecord> grants;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            grants,
            repos.permissions().ListProjectGrants(
                caller.project_id,
                user_id.has_value() ? std::optional<std::string_view>(*user_id)
                                    : std::nullopt));
        return absl::OkStatus();
      }));
  std::map<std::string, std::vector<std::string>> direct;
  for (storage::ProjectPermissionGrantRecord& g : grants) {
    direct[g.user_id].push_back(std::move(g.permission_id));
  }
  const std::optional<std::string> only =
      r.has_permission_id() ? std::optional<std::string>(r.permission_id())
                            : std::nullopt;
  v1::ListProjectPermissionsResponse response;
  for (auto& [user, ids] : direct) {
    for (std::string& id :
         Held(compiled->project, std::move(ids), r.recursive(), only)) {
      v1::ProjectPermission* item = response.add_items();
      item->set_id(std::move(id));
      item->set_user_id(user);
    }
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<core::PermissionQuery> ToQuery(
    const Caller& caller, const v1::CheckPermissionRequest& r) {
  core::PermissionQuery query;
  LATCHKEY_ASSIGN_OR_RETURN(query.user_id, ResolveUserId(caller, r.user_id()));
  if (r.has_team_id()) query.team_id = r.team_id();
  query.permission_id = r.permission_id();
  return query;
}

v1::CheckPermissionResponse ToResponse(core::PermissionAnswer answer) {
  v1::CheckPermissionResponse response;
  response.set_allowed(answer.allowed);
  response.set_reason(std::string(answer.reason));
  if (answer.via_permission_id.has_value()) {
    response.set_via_permission_id(std::move(*answer.via_permission_id));
  }
  return response;
}

absl::StatusOr<v1::CheckPermissionResponse> Check(
    TeamServiceState& state, CallContext& call,
    const v1::CheckPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(core::PermissionQuery query, ToQuery(caller, r));
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<core::PermissionAnswer> answers,
                            state.catalog.Check(caller.project_id, {query}));
  return ToResponse(std::move(answers[0]));
}

// The contract caps a batch at 1000 checks (validated before this runs).
absl::StatusOr<v1::BatchCheckPermissionsResponse> BatchCheck(
    TeamServiceState& state, CallContext& call,
    const v1::BatchCheckPermissionsRequest& r) {
  const Caller& caller = call.caller();
  std::vector<core::PermissionQuery> queries;
  queries.reserve(r.checks_size());
  for (const v1::CheckPermissionRequest& check : r.checks()) {
    LATCHKEY_ASSIGN_OR_RETURN(queries.emplace_back(), ToQuery(caller, check));
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<core::PermissionAnswer> answers,
                            state.catalog.Check(caller.project_id, queries));
  v1::BatchCheckPermissionsResponse response;
  for (core::PermissionAnswer& answer : answers) {
    *response.add_results() = ToResponse(std::move(answer));
  }
  return response;
}

}  // namespace

absl::Status RegisterPermissionMethods(
    MethodRegistry& registry, AppContext& context,
    std::shared_ptr<TeamServiceState> state) {
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::GrantTeamPermissionRequest, v1::TeamPermission>(
          registry, "GrantTeamPermission",
          [ctx](CallContext& call, const v1::GrantTeamPermissionRequest& r) {
            return GrantTeam(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::RevokeTeamPermissionRequest, v1::SuccessResponse>(
          registry, "RevokeTeamPermission",
          [ctx](CallContext& call, const v1::RevokeTeamPermissionRequest& r) {
            return RevokeTeam(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::GrantProjectPermissionRequest,
                          v1::ProjectPermission>(
          registry, "GrantProjectPermission",
          [ctx](CallContext& call, const v1::GrantProjectPermissionRequest& r) {
            return GrantProject(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::RevokeProjectPermissionRequest,
                          v1::SuccessResponse>(
          registry, "RevokeProjectPermission",
          [ctx](CallContext& call,
                const v1::RevokeProjectPermissionRequest& r) {
            return RevokeProject(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::ListTeamPermissionsRequest,
                                               v1::ListTeamPermissionsResponse>(
      registry, "ListTeamPermissions",
      [ctx, state](CallContext& call, const v1::ListTeamPermissionsRequest& r) {
        return ListTeam(*ctx, *state, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::ListProjectPermissionsRequest,
                          v1::ListProjectPermissionsResponse>(
          registry, "ListProjectPermissions",
          [ctx, state](CallContext& call,
                       const v1::ListProjectPermissionsRequest& r) {
            return ListProject(*ctx, *state, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::CheckPermissionRequest,
                                               v1::CheckPermissionResponse>(
      registry, "CheckPermission",
      [state](CallContext& call, const v1::CheckPermissionRequest& r) {
        return Check(*state, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::BatchCheckPermissionsRequest,
                          v1::BatchCheckPermissionsResponse>(
          registry, "BatchCheckPermissions",
          [state](CallContext& call,
                  const v1::BatchCheckPermissionsRequest& r) {
            return BatchCheck(*state, call, r);
          })));
  return RegisterPermissionDefinitionMethods(registry, context, state);
}

}  // namespace latchkey::service::api::teams
