#include "service/api/permission_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "service/api/caller_rules.h"

namespace latchkey::service::api::teams {
namespace {

// A listing's query, with the user ("me" resolved) it is about, if any.
template <typename ListRequest>
absl::StatusOr<core::PermissionGrants::ListQuery> ListQueryOf(
    const Caller& caller, const ListRequest& r) {
  core::PermissionGrants::ListQuery query;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(query.user_id,
                              ResolveUserId(caller, r.user_id()));
  }
  if (r.has_permission_id()) query.permission_id = r.permission_id();
  query.recursive = r.recursive();
  return query;
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

}  // namespace

absl::StatusOr<v1::TeamPermission> TeamMethods::GrantTeamPermission(
    CallContext& call, const v1::GrantTeamPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(grants_.GrantTeam(caller.project_id, r.team_id(),
                                             user_id, r.permission_id()));
  v1::TeamPermission out;
  out.set_id(r.permission_id());
  out.set_team_id(r.team_id());
  out.set_user_id(user_id);
  return out;
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::RevokeTeamPermission(
    CallContext& call, const v1::RevokeTeamPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(grants_.RevokeTeam(caller.project_id, r.team_id(),
                                              user_id, r.permission_id()));
  return Success();
}

absl::StatusOr<v1::ProjectPermission> TeamMethods::GrantProjectPermission(
    CallContext& call, const v1::GrantProjectPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(
      grants_.GrantProject(caller.project_id, user_id, r.permission_id()));
  v1::ProjectPermission out;
  out.set_id(r.permission_id());
  out.set_user_id(user_id);
  return out;
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::RevokeProjectPermission(
    CallContext& call, const v1::RevokeProjectPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(
      grants_.RevokeProject(caller.project_id, user_id, r.permission_id()));
  return Success();
}

absl::StatusOr<v1::ListTeamPermissionsResponse>
TeamMethods::ListTeamPermissions(CallContext& call,
                                 const v1::ListTeamPermissionsRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(core::PermissionGrants::ListQuery query,
                            ListQueryOf(caller, r));
  if (r.has_team_id()) query.team_id = r.team_id();
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<core::PermissionGrants::HeldTeamPermission> held,
      grants_.ListTeam(ActorOf(caller), query));
  v1::ListTeamPermissionsResponse response;
  for (core::PermissionGrants::HeldTeamPermission& one : held) {
    v1::TeamPermission* item = response.add_items();
    item->set_id(std::move(one.permission_id));
    item->set_team_id(std::move(one.team_id));
    item->set_user_id(std::move(one.user_id));
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::ListProjectPermissionsResponse>
TeamMethods::ListProjectPermissions(
    CallContext& call, const v1::ListProjectPermissionsRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(core::PermissionGrants::ListQuery query,
                            ListQueryOf(caller, r));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<core::PermissionGrants::HeldProjectPermission> held,
      grants_.ListProject(ActorOf(caller), query));
  v1::ListProjectPermissionsResponse response;
  for (core::PermissionGrants::HeldProjectPermission& one : held) {
    v1::ProjectPermission* item = response.add_items();
    item->set_id(std::move(one.permission_id));
    item->set_user_id(std::move(one.user_id));
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::CheckPermissionResponse> TeamMethods::CheckPermission(
    CallContext& call, const v1::CheckPermissionRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(core::PermissionQuery query, ToQuery(caller, r));
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<core::PermissionAnswer> answers,
                            catalog_.Check(caller.project_id, {query}));
  return ToResponse(std::move(answers[0]));
}

// The contract caps a batch at 1000 checks (validated before this runs).
absl::StatusOr<v1::BatchCheckPermissionsResponse>
TeamMethods::BatchCheckPermissions(CallContext& call,
                                   const v1::BatchCheckPermissionsRequest& r) {
  const Caller& caller = call.caller();
  std::vector<core::PermissionQuery> queries;
  queries.reserve(r.checks_size());
  for (const v1::CheckPermissionRequest& check : r.checks()) {
    LATCHKEY_ASSIGN_OR_RETURN(queries.emplace_back(), ToQuery(caller, check));
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<core::PermissionAnswer> answers,
                            catalog_.Check(caller.project_id, queries));
  v1::BatchCheckPermissionsResponse response;
  for (core::PermissionAnswer& answer : answers) {
    *response.add_results() = ToResponse(std::move(answer));
  }
  return response;
}

}  // namespace latchkey::service::api::teams
