#ifndef SERVICE_API_TEAM_ACCESS_H_
#define SERVICE_API_TEAM_ACCESS_H_

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "identity/v1/team_permission.pb.h"
#include "service/api/app_context.h"
#include "service/api/protos.h"
#include "service/api/touched_fields.h"
#include "service/core/permission_catalog.h"
#include "service/core/permission_definitions.h"
#include "service/core/permission_grants.h"
#include "service/core/team_actor.h"
#include "service/core/team_invitations.h"
#include "service/core/team_members.h"
#include "service/core/teams.h"
#include "service/pipeline/call_context.h"

namespace latchkey::service::api::teams {

namespace v1 = identity::v1;

// The handlers of identity.v1.TeamPermissionService, bound by
// RegisterTeamPermissionService (team_service.h). Each converts the request
// into a core use case's input and its result into the response; the
// flows and their rules live in service/core (teams.h, team_members.h,
// team_invitations.h, permission_grants.h, permission_definitions.h).
// Defined across team_service.cc, team_invitations.cc,
// permission_service.cc and permission_definitions.cc. Uses the
// application's one PermissionCatalog (AppContext::permissions). Thread-safe.
class TeamMethods {
 public:
  explicit TeamMethods(AppContext& context);

  // Teams, memberships and profiles (team_service.cc).
  absl::StatusOr<v1::ListTeamsResponse> ListTeams(CallContext& call,
                                                  const v1::ListTeamsRequest&);
  absl::StatusOr<v1::Team> CreateTeam(CallContext& call,
                                      const v1::CreateTeamRequest&);
  absl::StatusOr<v1::Team> GetTeam(CallContext& call,
                                   const v1::GetTeamRequest&);
  absl::StatusOr<v1::Team> UpdateTeam(CallContext& call,
                                      const v1::UpdateTeamRequest&);
  absl::StatusOr<v1::SuccessResponse> DeleteTeam(CallContext& call,
                                                 const v1::DeleteTeamRequest&);
  absl::StatusOr<v1::TeamMembership> AddTeamMember(
      CallContext& call, const v1::AddTeamMemberRequest&);
  absl::StatusOr<v1::SuccessResponse> RemoveTeamMember(
      CallContext& call, const v1::RemoveTeamMemberRequest&);
  absl::StatusOr<v1::ListTeamMemberProfilesResponse> ListTeamMemberProfiles(
      CallContext& call, const v1::ListTeamMemberProfilesRequest&);
  absl::StatusOr<v1::TeamMemberProfile> GetTeamMemberProfile(
      CallContext& call, const v1::GetTeamMemberProfileRequest&);
  absl::StatusOr<v1::TeamMemberProfile> UpdateTeamMemberProfile(
      CallContext& call, const v1::UpdateTeamMemberProfileRequest&);

  // Invitations (team_invitations.cc).
  absl::StatusOr<v1::SendTeamInvitationResponse> SendTeamInvitation(
      CallContext& call, const v1::SendTeamInvitationRequest&);
  absl::StatusOr<v1::AcceptTeamInvitationResponse> AcceptTeamInvitation(
      CallContext& call, const v1::AcceptTeamInvitationRequest&);
  absl::StatusOr<v1::CheckCodeResponse> CheckTeamInvitationCode(
      CallContext& call, const v1::CheckCodeRequest&);
  absl::StatusOr<v1::TeamInvitationDetails> GetTeamInvitationDetails(
      CallContext& call, const v1::GetTeamInvitationDetailsRequest&);
  absl::StatusOr<v1::ListTeamInvitationsResponse> ListTeamInvitations(
      CallContext& call, const v1::ListTeamInvitationsRequest&);
  absl::StatusOr<v1::SuccessResponse> RevokeTeamInvitation(
      CallContext& call, const v1::RevokeTeamInvitationRequest&);

  // Grants, listing and checks (permission_service.cc).
  absl::StatusOr<v1::TeamPermission> GrantTeamPermission(
      CallContext& call, const v1::GrantTeamPermissionRequest&);
  absl::StatusOr<v1::SuccessResponse> RevokeTeamPermission(
      CallContext& call, const v1::RevokeTeamPermissionRequest&);
  absl::StatusOr<v1::ProjectPermission> GrantProjectPermission(
      CallContext& call, const v1::GrantProjectPermissionRequest&);
  absl::StatusOr<v1::SuccessResponse> RevokeProjectPermission(
      CallContext& call, const v1::RevokeProjectPermissionRequest&);
  absl::StatusOr<v1::ListTeamPermissionsResponse> ListTeamPermissions(
      CallContext& call, const v1::ListTeamPermissionsRequest&);
  absl::StatusOr<v1::ListProjectPermissionsResponse> ListProjectPermissions(
      CallContext& call, const v1::ListProjectPermissionsRequest&);
  absl::StatusOr<v1::CheckPermissionResponse> CheckPermission(
      CallContext& call, const v1::CheckPermissionRequest&);
  absl::StatusOr<v1::BatchCheckPermissionsResponse> BatchCheckPermissions(
      CallContext& call, const v1::BatchCheckPermissionsRequest&);

  // Definitions, one member per scope (permission_definitions.cc).
  absl::StatusOr<v1::ListPermissionDefinitionsResponse>
  ListTeamPermissionDefinitions(CallContext& call,
                                const v1::ListPermissionDefinitionsRequest&);
  absl::StatusOr<v1::PermissionDefinition> CreateTeamPermissionDefinition(
      CallContext& call, const v1::CreatePermissionDefinitionRequest&);
  absl::StatusOr<v1::PermissionDefinition> UpdateTeamPermissionDefinition(
      CallContext& call, const v1::UpdatePermissionDefinitionRequest&);
  absl::StatusOr<v1::SuccessResponse> DeleteTeamPermissionDefinition(
      CallContext& call, const v1::DeletePermissionDefinitionRequest&);
  absl::StatusOr<v1::ListPermissionDefinitionsResponse>
  ListProjectPermissionDefinitions(CallContext& call,
                                   const v1::ListPermissionDefinitionsRequest&);
  absl::StatusOr<v1::PermissionDefinition> CreateProjectPermissionDefinition(
      CallContext& call, const v1::CreatePermissionDefinitionRequest&);
  absl::StatusOr<v1::PermissionDefinition> UpdateProjectPermissionDefinition(
      CallContext& call, const v1::UpdatePermissionDefinitionRequest&);
  absl::StatusOr<v1::SuccessResponse> DeleteProjectPermissionDefinition(
      CallContext& call, const v1::DeletePermissionDefinitionRequest&);

 private:
  // Where the caller's project serves images kept as data URLs.
  ImageLinks ImagesFor(const Caller& caller) const {
    return ImageLinksFor(context_.config.public_url, caller.project_id);
  }

  absl::StatusOr<v1::ListPermissionDefinitionsResponse> ListDefinitions(
      CallContext& call, storage::PermissionScope scope);
  absl::StatusOr<v1::PermissionDefinition> CreateDefinition(
      CallContext& call, storage::PermissionScope scope,
      const v1::CreatePermissionDefinitionRequest& r);
  absl::StatusOr<v1::PermissionDefinition> UpdateDefinition(
      CallContext& call, storage::PermissionScope scope,
      const v1::UpdatePermissionDefinitionRequest& r);
  absl::StatusOr<v1::SuccessResponse> DeleteDefinition(
      CallContext& call, storage::PermissionScope scope,
      const v1::DeletePermissionDefinitionRequest& r);

  AppContext& context_;
  core::PermissionCatalog& catalog_;  // the application's, shared
  const core::Teams teams_;
  const core::TeamMembers members_;
  const core::TeamInvitations invitations_;
  const core::PermissionGrants grants_;
  const core::PermissionDefinitions definitions_;
};

// The caller as the team use cases see it.
core::TeamActor ActorOf(const Caller& caller);

// {"success": true}.
v1::SuccessResponse Success();

}  // namespace latchkey::service::api::teams

#endif  // SERVICE_API_TEAM_ACCESS_H_
