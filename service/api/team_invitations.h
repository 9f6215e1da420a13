#ifndef SERVICE_API_TEAM_INVITATIONS_H_
#define SERVICE_API_TEAM_INVITATIONS_H_

// Team invitations: the TeamMethods members SendTeamInvitation,
// AcceptTeamInvitation, CheckTeamInvitationCode, GetTeamInvitationDetails,
// ListTeamInvitations and RevokeTeamInvitation (team_access.h). The flow
// and its rules are core::TeamInvitations (core/team_invitations.h); this
// file converts, and renders and queues the invitation email (through
// AppContext::mail, never blocking the call) after the use case returns.
#include "service/api/team_access.h"

#endif  // SERVICE_API_TEAM_INVITATIONS_H_
