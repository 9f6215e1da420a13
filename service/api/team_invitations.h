#ifndef SERVICE_API_TEAM_INVITATIONS_H_
#define SERVICE_API_TEAM_INVITATIONS_H_

#include <memory>

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/api/team_access.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api::teams {

// Team invitations: SendTeamInvitation, AcceptTeamInvitation,
// CheckTeamInvitationCode, GetTeamInvitationDetails, ListTeamInvitations,
// RevokeTeamInvitation.
//
// An invitation is its own one-time code: 45 lowercase Crockford-base32
// characters, stored only as a hash, valid 7 days, used once. The email
// (through AppContext::mail, never blocking the call) links to
// `<callback_url>?code=<code>`; the callback URL must be on the project's
// trusted domains (REDIRECT_URL_NOT_WHITELISTED). Codes are checked in
// Stack's order: VERIFICATION_CODE_NOT_FOUND (also for a revoked one, or
// another project's), _EXPIRED, _ALREADY_USED. Accepting as a user who is
// already a member uses the code and succeeds, as Stack does. Sending is
// rate limited per team like other mail (RATE_LIMITED).
// Client permissions, as Stack's: sending needs $invite_members, listing
// $read_members and $invite_members, revoking $remove_members.
absl::Status RegisterTeamInvitationMethods(
    MethodRegistry& registry, AppContext& context,
    std::shared_ptr<TeamServiceState> state);

}  // namespace latchkey::service::api::teams

#endif  // SERVICE_API_TEAM_INVITATIONS_H_
