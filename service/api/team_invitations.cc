#include "service/api/team_invitations.h"

#include <string>
#include <vector>

#include "common/status_macros.h"
#include "service/api/protos.h"
#include "service/mail/email_templates.h"

namespace latchkey::service::api::teams {

absl::StatusOr<v1::SendTeamInvitationResponse> TeamMethods::SendTeamInvitation(
    CallContext& call, const v1::SendTeamInvitationRequest& r) {
  const Caller& caller = call.caller();
  const core::TeamActor actor = ActorOf(caller);
  LATCHKEY_ASSIGN_OR_RETURN(
      core::TeamInvitations::Sent sent,
      invitations_.Send(
          {actor, *caller.project, r.team_id(), r.email(), r.callback_url()}));
  // Sent once the invitation is stored; never blocks the call.
  const v1::ProjectConfig& config = caller.project->config;
  mail::TemplateValues values;
  values.project = config.display_name_for_emails().empty()
                       ? caller.project->project.display_name
                       : config.display_name_for_emails();
  values.team = sent.team_display_name;
  values.email = sent.email;
  values.link = sent.link;
  context_.mail.Enqueue(
      mail::RenderEmail(mail::kTeamInvitation, values, config, sent.email));
  v1::SendTeamInvitationResponse response;
  response.set_success(true);
  response.set_id(sent.invitation_id);
  return response;
}

absl::StatusOr<v1::AcceptTeamInvitationResponse>
TeamMethods::AcceptTeamInvitation(CallContext& call,
                                  const v1::AcceptTeamInvitationRequest& r) {
  const Caller& caller = call.caller();
  const core::TeamActor actor = ActorOf(caller);
  core::TeamInvitations::AcceptInput input{actor, caller.project->config,
                                           r.code()};
  // The access rule requires a user.
  if (caller.user->is_restricted()) {
    input.restricted_reason_type = caller.user->restricted_reason().type();
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string team_id, invitations_.Accept(input));
  v1::AcceptTeamInvitationResponse response;
  response.set_team_id(team_id);
  return response;
}

absl::StatusOr<v1::CheckCodeResponse> TeamMethods::CheckTeamInvitationCode(
    CallContext& call, const v1::CheckCodeRequest& r) {
  LATCHKEY_RETURN_IF_ERROR(
      invitations_.Check(call.caller().project_id, r.code()));
  v1::CheckCodeResponse response;
  response.set_is_code_valid(true);
  return response;
}

absl::StatusOr<v1::TeamInvitationDetails> TeamMethods::GetTeamInvitationDetails(
    CallContext& call, const v1::GetTeamInvitationDetailsRequest& r) {
  LATCHKEY_ASSIGN_OR_RETURN(
      core::TeamInvitations::Details found,
      invitations_.GetDetails(call.caller().project_id, r.code()));
  v1::TeamInvitationDetails details;
  details.set_team_id(found.team_id);
  details.set_team_display_name(found.team_display_name);
  return details;
}

absl::StatusOr<v1::ListTeamInvitationsResponse>
TeamMethods::ListTeamInvitations(CallContext& call,
                                 const v1::ListTeamInvitationsRequest& r) {
  LATCHKEY_ASSIGN_OR_RETURN(
      core::TeamInvitations::Pending pending,
      invitations_.List(ActorOf(call.caller()), r.team_id()));
  v1::ListTeamInvitationsResponse response;
  for (const storage::TeamInvitationRecord& invitation : pending.invitations) {
    v1::TeamInvitation* item = response.add_items();
    item->set_id(invitation.id);
    item->set_team_id(invitation.team_id);
    item->set_team_display_name(pending.team_display_name);
    item->set_recipient_email(invitation.recipient_email);
    item->set_expires_at_millis(Millis(invitation.expires_at));
  }
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::SuccessResponse> TeamMethods::RevokeTeamInvitation(
    CallContext& call, const v1::RevokeTeamInvitationRequest& r) {
  LATCHKEY_RETURN_IF_ERROR(invitations_.Revoke(ActorOf(call.caller()),
                                               r.team_id(), r.invitation_id()));
  return Success();
}

}  // namespace latchkey::service::api::teams
