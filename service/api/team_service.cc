#include "service/api/team_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "crypto/random.h"
#include "identity/v1/team_permission.pb.h"
#include "service/api/permission_service.h"
#include "service/api/protos.h"
#include "service/api/team_access.h"
#include "service/api/team_invitations.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"

namespace latchkey::service::api {
namespace teams {
namespace {

namespace v1 = identity::v1;

absl::StatusOr<v1::ListTeamsResponse> ListTeams(AppContext& context,
                                                CallContext& call,
                                                const v1::ListTeamsRequest& r) {
  const Caller& caller = call.caller();
  std::optional<std::string> user_id;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(user_id, ResolveUserId(caller, r.user_id()));
  }
  // Clients list their own teams only (Stack: user_id must be "me").
  if (IsClient(caller)) {
    LATCHKEY_RETURN_IF_ERROR(
        RequireSelfForClient(caller, user_id.value_or("")));
  }
  v1::ListTeamsResponse response;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        std::vector<storage::TeamRecord> teams;
        if (user_id.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(core::UserNotFoundOr(
              repos.users().Get(caller.project_id, *user_id).status()));
          LATCHKEY_ASSIGN_OR_RETURN(
              teams, repos.teams().ListForUser(caller.project_id, *user_id));
        } else {
          LATCHKEY_ASSIGN_OR_RETURN(teams,
                                    repos.teams().List(caller.project_id));
        }
        for (const storage::TeamRecord& team : teams) {
          LATCHKEY_ASSIGN_OR_RETURN(*response.add_items(), TeamToProto(team));
        }
        return absl::OkStatus();
      }));
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::Team> CreateTeam(AppContext& context, CallContext& call,
                                    const v1::CreateTeamRequest& r) {
  const Caller& caller = call.caller();
  const v1::ProjectConfig& config = caller.project->config;
  std::optional<std::string> creator;
  if (IsClient(caller)) {
    if (!config.client_team_creation_enabled()) {
      return ApiError(v1::CLIENT_TEAM_CREATION_NOT_ENABLED);
    }
    // A client creates teams as itself: "me", its own id, or nothing.
    LATCHKEY_ASSIGN_OR_RETURN(
        creator,
        ResolveUserId(caller, r.has_creator_user_id() ? r.creator_user_id()
                                                      : std::string("me")));
    LATCHKEY_RETURN_IF_ERROR(RequireSelfForClient(caller, *creator));
  } else if (r.has_creator_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(creator,
                              ResolveUserId(caller, r.creator_user_id()));
  }
  storage::TeamRecord team;
  LATCHKEY_ASSIGN_OR_RETURN(team.id, crypto::RandomUuidV4());
  team.project_id = caller.project_id;
  team.display_name = r.display_name();
  if (r.has_profile_image_url()) team.profile_image_url = r.profile_image_url();
  if (r.has_client_metadata()) {
    team.client_metadata_json = ValueToJsonText(r.client_metadata());
  }
  if (r.has_client_read_only_metadata()) {
    team.client_read_only_metadata_json =
        ValueToJsonText(r.client_read_only_metadata());
  }
  if (r.has_server_metadata()) {
    team.server_metadata_json = ValueToJsonText(r.server_metadata());
  }
  team.created_at = context.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
        if (!creator.has_value()) return absl::OkStatus();
        return core::AddMemberWithDefaults(
            repos, caller.project_id, team.id, *creator,
            config.team_creator_default_permissions(), team.created_at);
      }));
  return TeamToProto(team);
}

absl::StatusOr<v1::Team> GetTeam(AppContext& context, CallContext& call,
                                 const v1::GetTeamRequest& r) {
  const Caller& caller = call.caller();
  absl::StatusOr<storage::TeamRecord> team;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        if (IsClient(caller)) {
          LATCHKEY_RETURN_IF_ERROR(core::RequireMember(
              repos, caller.project_id, r.team_id(), ClientUserId(caller)));
        }
        team = repos.teams().Get(caller.project_id, r.team_id());
        return TeamNotFoundOr(team.status(), r.team_id());
      }));
  return TeamToProto(*team);
}

absl::StatusOr<v1::Team> UpdateTeam(AppContext& context,
                                    TeamServiceState& state, CallContext& call,
                                    const v1::UpdateTeamRequest& r) {
  const Caller& caller = call.caller();
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"team_id"}));
  if (touched("display_name") && !r.has_display_name()) {
    return SchemaError("body.display_name cannot be null");
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  storage::TeamRecord team;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
            repos, caller, *compiled, r.team_id(), "$update_team"));
        absl::StatusOr<storage::TeamRecord> found =
            repos.teams().Get(caller.project_id, r.team_id());
        LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(found.status(), r.team_id()));
        team = *std::move(found);
        if (touched("display_name")) team.display_name = r.display_name();
        if (touched("profile_image_url")) {
          team.profile_image_url =
              r.has_profile_image_url()
                  ? std::optional<std::string>(r.profile_image_url())
                  : std::nullopt;
        }
        if (touched("client_metadata")) {
          team.client_metadata_json = ValueToJsonText(r.client_metadata());
        }
        if (touched("client_read_only_metadata")) {
          team.client_read_only_metadata_json =
              ValueToJsonText(r.client_read_only_metadata());
        }
        if (touched("server_metadata")) {
          team.server_metadata_json = ValueToJsonText(r.server_metadata());
        }
        return repos.teams().Update(team);
      }));
  return TeamToProto(team);
}

absl::StatusOr<v1::SuccessResponse> DeleteTeam(AppContext& context,
                                               TeamServiceState& state,
                                               CallContext& call,
                                               const v1::DeleteTeamRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  // Memberships, grants and invitations go by cascade, in this one
  // transaction; users who had selected the team get none.
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
            repos, caller, *compiled, r.team_id(), "$delete_team"));
        return TeamNotFoundOr(
            repos.teams().Delete(caller.project_id, r.team_id()), r.team_id());
      }));
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

absl::StatusOr<v1::TeamMembership> AddTeamMember(
    AppContext& context, CallContext& call, const v1::AddTeamMemberRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        return core::AddMemberWithDefaults(
            repos, caller.project_id, r.team_id(), user_id,
            caller.project->config.team_member_default_permissions(),
            context.clock.Now());
      }));
  v1::TeamMembership membership;
  membership.set_team_id(r.team_id());
  membership.set_user_id(user_id);
  return membership;
}

absl::StatusOr<v1::SuccessResponse> RemoveTeamMember(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::RemoveTeamMemberRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // Anyone may leave; removing someone else takes $remove_members.
        if (IsClient(caller) && user_id != ClientUserId(caller)) {
          LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
              repos, caller, *compiled, r.team_id(), "$remove_members"));
        }
        // Grants in the team and a selected team go with the membership.
        absl::Status removed =
            repos.teams().RemoveMember(caller.project_id, r.team_id(), user_id);
        if (absl::IsNotFound(removed)) {
          return ApiError(v1::TEAM_MEMBERSHIP_NOT_FOUND,
                          {{"team_id", r.team_id()}, {"user_id", user_id}});
        }
        return removed;
      }));
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

// A membership as a profile: the per-team name and image, else the user's.
absl::StatusOr<v1::TeamMemberProfile> Profile(
    storage::Repositories& repos, const Caller& caller,
    const storage::TeamMemberRecord& member) {
  absl::StatusOr<storage::UserView> user =
      repos.users().Get(caller.project_id, member.user_id);
  LATCHKEY_RETURN_IF_ERROR(core::UserNotFoundOr(user.status()));
  v1::TeamMemberProfile profile;
  profile.set_team_id(member.team_id);
  profile.set_user_id(member.user_id);
  const std::optional<std::string>& name = member.display_name.has_value()
                                               ? member.display_name
                                               : user->user.display_name;
  const std::optional<std::string>& image = member.profile_image_url.has_value()
                                                ? member.profile_image_url
                                                : user->user.profile_image_url;
  if (name.has_value()) profile.set_display_name(*name);
  if (image.has_value()) profile.set_profile_image_url(*image);
  // Server-only: client callers never see it, so do not build it for them.
  if (!IsClient(caller)) {
    LATCHKEY_ASSIGN_OR_RETURN(
        *profile.mutable_user(),
        UserToProto(repos, *user, caller.project->config));
  }
  return profile;
}

absl::StatusOr<v1::ListTeamMemberProfilesResponse> ListProfiles(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::ListTeamMemberProfilesRequest& r) {
  const Caller& caller = call.caller();
  std::optional<std::string> user_id;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(user_id, ResolveUserId(caller, r.user_id()));
  }
  if (IsClient(caller) && !r.has_team_id()) {
    return SchemaError("query.team_id is required for client access");
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  v1::ListTeamMemberProfilesResponse response;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        response.clear_items();  // a retried transaction starts over
        if (IsClient(caller)) {
          // Their own profile needs membership; others' need $read_members.
          LATCHKEY_RETURN_IF_ERROR(core::RequireMember(
              repos, caller.project_id, r.team_id(), ClientUserId(caller)));
          if (user_id != ClientUserId(caller)) {
            LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
                repos, caller, *compiled, r.team_id(), "$read_members"));
          }
        } else {
          if (r.has_team_id()) {
            LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(
                repos.teams().Get(caller.project_id, r.team_id()).status(),
                r.team_id()));
          }
          if (user_id.has_value()) {
            LATCHKEY_RETURN_IF_ERROR(core::UserNotFoundOr(
                repos.users().Get(caller.project_id, *user_id).status()));
          }
        }
        std::vector<storage::TeamMemberRecord> members;
        if (r.has_team_id()) {
          LATCHKEY_ASSIGN_OR_RETURN(
              members,
              repos.teams().ListMembers(caller.project_id, r.team_id()));
        } else if (user_id.has_value()) {
          LATCHKEY_ASSIGN_OR_RETURN(
              members,
              repos.teams().ListMembershipsOfUser(caller.project_id, *user_id));
        } else {
          LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::TeamRecord> teams,
                                    repos.teams().List(caller.project_id));
          for (const storage::TeamRecord& team : teams) {
            LATCHKEY_ASSIGN_OR_RETURN(
                std::vector<storage::TeamMemberRecord> of_team,
                repos.teams().ListMembers(caller.project_id, team.id));
            members.insert(members.end(), of_team.begin(), of_team.end());
          }
        }
        for (const storage::TeamMemberRecord& member : members) {
          if (user_id.has_value() && member.user_id != *user_id) continue;
          LATCHKEY_ASSIGN_OR_RETURN(*response.add_items(),
                                    Profile(repos, caller, member));
        }
        return absl::OkStatus();
      }));
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::TeamMemberProfile> GetProfile(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::GetTeamMemberProfileRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  v1::TeamMemberProfile profile;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        if (IsClient(caller) && user_id != ClientUserId(caller)) {
          LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
              repos, caller, *compiled, r.team_id(), "$read_members"));
        }
        absl::StatusOr<storage::TeamMemberRecord> member =
            repos.teams().GetMember(caller.project_id, r.team_id(), user_id);
        if (absl::IsNotFound(member.status())) {
          return ApiError(v1::TEAM_MEMBERSHIP_NOT_FOUND,
                          {{"team_id", r.team_id()}, {"user_id", user_id}});
        }
        LATCHKEY_RETURN_IF_ERROR(member.status());
        LATCHKEY_ASSIGN_OR_RETURN(profile, Profile(repos, caller, *member));
        return absl::OkStatus();
      }));
  return profile;
}

absl::StatusOr<v1::TeamMemberProfile> UpdateProfile(
    AppContext& context, CallContext& call,
    const v1::UpdateTeamMemberProfileRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(RequireSelfForClient(caller, user_id));
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"team_id", "user_id"}));
  v1::TeamMemberProfile profile;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::TeamMemberRecord> member =
            repos.teams().GetMember(caller.project_id, r.team_id(), user_id);
        if (absl::IsNotFound(member.status())) {
          return ApiError(v1::TEAM_MEMBERSHIP_NOT_FOUND,
                          {{"team_id", r.team_id()}, {"user_id", user_id}});
        }
        LATCHKEY_RETURN_IF_ERROR(member.status());
        if (touched("display_name")) {
          member->display_name =
              r.has_display_name()
                  ? std::optional<std::string>(r.display_name())
                  : std::nullopt;
        }
        if (touched("profile_image_url")) {
          member->profile_image_url =
              r.has_profile_image_url()
                  ? std::optional<std::string>(r.profile_image_url())
                  : std::nullopt;
        }
        LATCHKEY_RETURN_IF_ERROR(repos.teams().UpdateMemberProfile(*member));
        LATCHKEY_ASSIGN_OR_RETURN(profile, Profile(repos, caller, *member));
        return absl::OkStatus();
      }));
  return profile;
}

absl::Status RegisterTeamMethods(MethodRegistry& registry, AppContext& context,
                                 std::shared_ptr<TeamServiceState> state) {
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::ListTeamsRequest, v1::ListTeamsResponse>(
          registry, "ListTeams",
          [ctx](CallContext& call, const v1::ListTeamsRequest& r) {
            return ListTeams(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::CreateTeamRequest, v1::Team>(
      registry, "CreateTeam",
      [ctx](CallContext& call, const v1::CreateTeamRequest& r) {
        return CreateTeam(*ctx, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::GetTeamRequest, v1::Team>(
      registry, "GetTeam",
      [ctx](CallContext& call, const v1::GetTeamRequest& r) {
        return GetTeam(*ctx, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::UpdateTeamRequest, v1::Team>(
      registry, "UpdateTeam",
      [ctx, state](CallContext& call, const v1::UpdateTeamRequest& r) {
        return UpdateTeam(*ctx, *state, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::DeleteTeamRequest, v1::SuccessResponse>(
          registry, "DeleteTeam",
          [ctx, state](CallContext& call, const v1::DeleteTeamRequest& r) {
            return DeleteTeam(*ctx, *state, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::AddTeamMemberRequest, v1::TeamMembership>(
          registry, "AddTeamMember",
          [ctx](CallContext& call, const v1::AddTeamMemberRequest& r) {
            return AddTeamMember(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::RemoveTeamMemberRequest, v1::SuccessResponse>(
          registry, "RemoveTeamMember",
          [ctx, state](CallContext& call,
                       const v1::RemoveTeamMemberRequest& r) {
            return RemoveTeamMember(*ctx, *state, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::ListTeamMemberProfilesRequest,
                          v1::ListTeamMemberProfilesResponse>(
          registry, "ListTeamMemberProfiles",
          [ctx, state](CallContext& call,
                       const v1::ListTeamMemberProfilesRequest& r) {
            return ListProfiles(*ctx, *state, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::GetTeamMemberProfileRequest,
                                               v1::TeamMemberProfile>(
      registry, "GetTeamMemberProfile",
      [ctx, state](CallContext& call,
                   const v1::GetTeamMemberProfileRequest& r) {
        return GetProfile(*ctx, *state, call, r);
      })));
  return RegisterTeamMethod<v1::UpdateTeamMemberProfileRequest,
                            v1::TeamMemberProfile>(
      registry, "UpdateTeamMemberProfile",
      [ctx](CallContext& call, const v1::UpdateTeamMemberProfileRequest& r) {
        return UpdateProfile(*ctx, call, r);
      });
}

}  // namespace
}  // namespace teams

absl::Status RegisterTeamPermissionService(MethodRegistry& registry,
                                           AppContext& context) {
  auto state = std::make_shared<teams::TeamServiceState>(context);
  LATCHKEY_RETURN_IF_ERROR(
      teams::RegisterTeamMethods(registry, context, state));
  LATCHKEY_RETURN_IF_ERROR(
      teams::RegisterTeamInvitationMethods(registry, context, state));
  return teams::RegisterPermissionMethods(registry, context, state);
}

}  // namespace latchkey::service::api
