#include "service/api/team_service.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "identity/v1/team_permission.pb.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/api/team_access.h"
#include "service/core/image_urls.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace teams {
namespace {

std::optional<std::string> OptionalOf(bool has, const std::string& value) {
  return has ? std::optional<std::string>(value) : std::nullopt;
}

absl::StatusOr<v1::TeamMemberProfile> ProfileToProto(
    const core::TeamMembers::Profile& in, const v1::ProjectConfig& config,
    const ImageLinks& images) {
  v1::TeamMemberProfile profile;
  profile.set_team_id(in.team_id);
  profile.set_user_id(in.user_id);
  if (in.display_name.has_value()) profile.set_display_name(*in.display_name);
  if (in.profile_image_url.has_value()) {
    profile.set_profile_image_url(
        images.Show(core::kTeamMemberImage,
                    core::TeamMemberImageOwner(in.team_id, in.user_id),
                    *in.profile_image_url));
  }
  if (in.user.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(*profile.mutable_user(),
                              UserToProto(*in.user, config, images));
  }
  return profile;
}

}  // namespace

absl::StatusOr<v1::ListTeamsResponse> TeamMethods::ListTeams(
    CallContext& call, const v1::ListTeamsRequest& r) {
  const Caller& caller = call.caller();
  std::optional<std::string> user_id;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(user_id, ResolveUserId(caller, r.user_id()));
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::TeamRecord> teams,
                            teams_.List(ActorOf(caller), user_id));
  v1::ListTeamsResponse response;
  for (const storage::TeamRecord& team : teams) {
    LATCHKEY_ASSIGN_OR_RETURN(*response.add_items(),
                              TeamToProto(team, ImagesFor(call.caller())));
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::Team> TeamMethods::CreateTeam(
    CallContext& call, const v1::CreateTeamRequest& r) {
  const Caller& caller = call.caller();
  const core::TeamActor actor = ActorOf(caller);
  std::optional<std::string> creator;
  if (actor.client) {
    // A client creates teams as itself: "me", its own id, or nothing.
    LATCHKEY_ASSIGN_OR_RETURN(
        creator,
        ResolveUserId(caller, r.has_creator_user_id() ? r.creator_user_id()
                                                      : std::string("me")));
  } else if (r.has_creator_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(creator,
                              ResolveUserId(caller, r.creator_user_id()));
  }
  core::Teams::CreateInput input{actor, caller.project->config,
                                 std::move(creator)};
  input.team.display_name = r.display_name();
  input.team.profile_image_url =
      OptionalOf(r.has_profile_image_url(), r.profile_image_url());
  if (r.has_client_metadata()) {
    input.team.client_metadata_json = ValueToJsonText(r.client_metadata());
  }
  if (r.has_client_read_only_metadata()) {
    input.team.client_read_only_metadata_json =
        ValueToJsonText(r.client_read_only_metadata());
  }
  if (r.has_server_metadata()) {
    input.team.server_metadata_json = ValueToJsonText(r.server_metadata());
  }
  LATCHKEY_ASSIGN_OR_RETURN(storage::TeamRecord team, teams_.Create(input));
  return TeamToProto(team, ImagesFor(call.caller()));
}

absl::StatusOr<v1::Team> TeamMethods::GetTeam(CallContext& call,
                                              const v1::GetTeamRequest& r) {
  LATCHKEY_ASSIGN_OR_RETURN(storage::TeamRecord team,
                            teams_.Get(ActorOf(call.caller()), r.team_id()));
  return TeamToProto(team, ImagesFor(call.caller()));
}

absl::StatusOr<v1::Team> TeamMethods::UpdateTeam(
    CallContext& call, const v1::UpdateTeamRequest& r) {
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"team_id"}));
  if (touched("display_name") && !r.has_display_name()) {
    return SchemaError("body.display_name cannot be null");
  }
  core::Teams::Changes changes;
  if (touched("display_name")) changes.display_name = r.display_name();
  if (touched("profile_image_url")) {
    changes.profile_image_url =
        OptionalOf(r.has_profile_image_url(), r.profile_image_url());
  }
  if (touched("client_metadata")) {
    changes.client_metadata_json = ValueToJsonText(r.client_metadata());
  }
  if (touched("client_read_only_metadata")) {
    changes.client_read_only_metadata_json =
        ValueToJsonText(r.client_read_only_metadata());
  }
  if (touched("server_metadata")) {
    changes.server_metadata_json = ValueToJsonText(r.server_metadata());
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      storage::TeamRecord team,
      teams_.Update(ActorOf(call.caller()), r.team_id(), changes));
  return TeamToProto(team, ImagesFor(call.caller()));
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::DeleteTeam(
    CallContext& call, const v1::DeleteTeamRequest& r) {
  LATCHKEY_RETURN_IF_ERROR(teams_.Delete(ActorOf(call.caller()), r.team_id()));
  return Success();
}

absl::StatusOr<v1::TeamMembership> TeamMethods::AddTeamMember(
    CallContext& call, const v1::AddTeamMemberRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(members_.Add(ActorOf(caller), caller.project->config,
                                        r.team_id(), user_id));
  v1::TeamMembership membership;
  membership.set_team_id(r.team_id());
  membership.set_user_id(user_id);
  return membership;
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::RemoveTeamMember(
    CallContext& call, const v1::RemoveTeamMemberRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_RETURN_IF_ERROR(
      members_.Remove(ActorOf(caller), r.team_id(), user_id));
  return Success();
}

absl::StatusOr<v1::ListTeamMemberProfilesResponse>
TeamMethods::ListTeamMemberProfiles(
    CallContext& call, const v1::ListTeamMemberProfilesRequest& r) {
  const Caller& caller = call.caller();
  std::optional<std::string> user_id;
  if (r.has_user_id()) {
    LATCHKEY_ASSIGN_OR_RETURN(user_id, ResolveUserId(caller, r.user_id()));
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<core::TeamMembers::Profile> profiles,
      members_.ListProfiles(ActorOf(caller),
                            OptionalOf(r.has_team_id(), r.team_id()), user_id));
  v1::ListTeamMemberProfilesResponse response;
  for (const core::TeamMembers::Profile& profile : profiles) {
    LATCHKEY_ASSIGN_OR_RETURN(
        *response.add_items(),
        ProfileToProto(profile, caller.project->config, ImagesFor(caller)));
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::TeamMemberProfile> TeamMethods::GetTeamMemberProfile(
    CallContext& call, const v1::GetTeamMemberProfileRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  LATCHKEY_ASSIGN_OR_RETURN(
      core::TeamMembers::Profile profile,
      members_.GetProfile(ActorOf(caller), r.team_id(), user_id));
  return ProfileToProto(profile, caller.project->config, ImagesFor(caller));
}

absl::StatusOr<v1::TeamMemberProfile> TeamMethods::UpdateTeamMemberProfile(
    CallContext& call, const v1::UpdateTeamMemberProfileRequest& r) {
  const Caller& caller = call.caller();
  const core::TeamActor actor = ActorOf(caller);
  LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                            ResolveUserId(caller, r.user_id()));
  // The use case checks this too; asked first so that a client naming
  // someone else hears that before any complaint about its update mask.
  LATCHKEY_RETURN_IF_ERROR(core::RequireSelf(actor, user_id));
  const Touched touched(r, r.update_mask());
  LATCHKEY_RETURN_IF_ERROR(touched.Check({"team_id", "user_id"}));
  core::TeamMembers::ProfileChanges changes;
  if (touched("display_name")) {
    changes.display_name = OptionalOf(r.has_display_name(), r.display_name());
  }
  if (touched("profile_image_url")) {
    changes.profile_image_url =
        OptionalOf(r.has_profile_image_url(), r.profile_image_url());
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      core::TeamMembers::Profile profile,
      members_.UpdateProfile(actor, r.team_id(), user_id, changes));
  return ProfileToProto(profile, caller.project->config, ImagesFor(caller));
}

}  // namespace teams

absl::Status RegisterTeamPermissionService(MethodRegistry& registry,
                                           AppContext& context) {
  using teams::TeamMethods;
  ServiceBinder<TeamMethods> bind(registry, "identity.v1.TeamPermissionService",
                                  std::make_shared<TeamMethods>(context));
  bind("ListTeams", &TeamMethods::ListTeams);
  bind("CreateTeam", &TeamMethods::CreateTeam);
  bind("GetTeam", &TeamMethods::GetTeam);
  bind("UpdateTeam", &TeamMethods::UpdateTeam);
  bind("DeleteTeam", &TeamMethods::DeleteTeam);
  bind("AddTeamMember", &TeamMethods::AddTeamMember);
  bind("RemoveTeamMember", &TeamMethods::RemoveTeamMember);
  bind("ListTeamMemberProfiles", &TeamMethods::ListTeamMemberProfiles);
  bind("GetTeamMemberProfile", &TeamMethods::GetTeamMemberProfile);
  bind("UpdateTeamMemberProfile", &TeamMethods::UpdateTeamMemberProfile);
  bind("SendTeamInvitation", &TeamMethods::SendTeamInvitation);
  bind("AcceptTeamInvitation", &TeamMethods::AcceptTeamInvitation);
  bind("CheckTeamInvitationCode", &TeamMethods::CheckTeamInvitationCode);
  bind("GetTeamInvitationDetails", &TeamMethods::GetTeamInvitationDetails);
  bind("ListTeamInvitations", &TeamMethods::ListTeamInvitations);
  bind("RevokeTeamInvitation", &TeamMethods::RevokeTeamInvitation);
  bind("GrantTeamPermission", &TeamMethods::GrantTeamPermission);
  bind("RevokeTeamPermission", &TeamMethods::RevokeTeamPermission);
  bind("GrantProjectPermission", &TeamMethods::GrantProjectPermission);
  bind("RevokeProjectPermission", &TeamMethods::RevokeProjectPermission);
  bind("ListTeamPermissions", &TeamMethods::ListTeamPermissions);
  bind("ListProjectPermissions", &TeamMethods::ListProjectPermissions);
  bind("CheckPermission", &TeamMethods::CheckPermission);
  bind("BatchCheckPermissions", &TeamMethods::BatchCheckPermissions);
  bind("ListTeamPermissionDefinitions",
       &TeamMethods::ListTeamPermissionDefinitions);
  bind("CreateTeamPermissionDefinition",
       &TeamMethods::CreateTeamPermissionDefinition);
  bind("UpdateTeamPermissionDefinition",
       &TeamMethods::UpdateTeamPermissionDefinition);
  bind("DeleteTeamPermissionDefinition",
       &TeamMethods::DeleteTeamPermissionDefinition);
  bind("ListProjectPermissionDefinitions",
       &TeamMethods::ListProjectPermissionDefinitions);
  bind("CreateProjectPermissionDefinition",
       &TeamMethods::CreateProjectPermissionDefinition);
  bind("UpdateProjectPermissionDefinition",
       &TeamMethods::UpdateProjectPermissionDefinition);
  bind("DeleteProjectPermissionDefinition",
       &TeamMethods::DeleteProjectPermissionDefinition);
  return bind.status();
}

}  // namespace latchkey::service::api
