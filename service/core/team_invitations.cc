#include "service/core/team_invitations.h"

#include <initializer_list>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/redirect_urls.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

namespace v1 = identity::v1;

// The invitation a code names, checked in Stack's order. Codes are
// compared case-insensitively (they are lowercase; links may be retyped).
absl::StatusOr<storage::TeamInvitationRecord> FindUsable(
    storage::Repositories& repos, const std::string& project_id,
    const std::string& code, absl::Time now) {
  absl::StatusOr<storage::TeamInvitationRecord> invitation =
      repos.team_invitations().FindByCodeHash(
          project_id, crypto::HashToken(absl::AsciiStrToLower(code)));
  if (absl::IsNotFound(invitation.status())) {
    return ApiError(v1::VERIFICATION_CODE_NOT_FOUND);
  }
  LATCHKEY_RETURN_IF_ERROR(invitation.status());
  if (invitation->expires_at <= now) {
    return ApiError(v1::VERIFICATION_CODE_EXPIRED);
  }
  if (invitation->accepted_at.has_value()) {
    return ApiError(v1::VERIFICATION_CODE_ALREADY_USED);
  }
  return invitation;
}

// Clients must be members holding every permission in `required`; for
// others the team must exist.
absl::Status RequireForTeam(storage::Repositories& repos,
                            const TeamActor& actor,
                            const CompiledPermissions& compiled,
                            const std::string& team_id,
                            std::initializer_list<std::string_view> required) {
  if (actor.client) {
    LATCHKEY_RETURN_IF_ERROR(
        RequireMember(repos, actor.project_id, team_id, actor.user_id));
    for (std::string_view permission : required) {
      LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
          repos, actor, compiled, team_id, permission));
    }
    return absl::OkStatus();
  }
  return TeamNotFoundOr(repos.teams().Get(actor.project_id, team_id).status(),
                        team_id);
}

}  // namespace

std::string InvitationLink(absl::string_view callback_url,
                           absl::string_view code) {
  const size_t fragment = callback_url.find('#');
  absl::string_view base = callback_url.substr(0, fragment);
  const char* separator = base.find('?') == absl::string_view::npos ? "?" : "&";
  return absl::StrCat(base, separator, "code=", code,
                      fragment == absl::string_view::npos
                          ? absl::string_view()
                          : callback_url.substr(fragment));
}

absl::StatusOr<TeamInvitations::Sent> TeamInvitations::Send(
    const SendInput& input) const {
  const TeamActor& actor = input.actor;
  Sent sent;
  LATCHKEY_ASSIGN_OR_RETURN(sent.email,
                            NormalizeEmail(input.email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(CheckRedirectUrl(input.project, input.callback_url));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  LATCHKEY_ASSIGN_OR_RETURN(std::string code, crypto::RandomToken());
  storage::TeamInvitationRecord invitation;
  LATCHKEY_ASSIGN_OR_RETURN(invitation.id, crypto::RandomUuidV4());
  invitation.project_id = actor.project_id;
  invitation.team_id = input.team_id;
  invitation.recipient_email = sent.email;
  invitation.code_hash = crypto::HashToken(code);
  if (!actor.user_id.empty()) invitation.invited_by_user_id = actor.user_id;
  invitation.created_at = clock_.Now();
  invitation.expires_at = invitation.created_at + kLifetime;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
            repos, actor, *compiled, input.team_id, "$invite_members"));
        absl::StatusOr<storage::TeamRecord> team =
            repos.teams().Get(actor.project_id, input.team_id);
        LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(team.status(), input.team_id));
        sent.team_display_name = team->display_name;
        return absl::OkStatus();
      }));
  // Counted once the caller may invite, so refused calls do not use up the
  // recipient's allowance, and before anything is stored.
  LATCHKEY_RETURN_IF_ERROR(rate_limiter_.Consume(
      actor.project_id, absl::StrCat("email:", sent.email),
      input.project.config.rate_limits().email_per_address()));
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        // NOT_FOUND: the team was deleted a moment ago.
        return TeamNotFoundOr(repos.team_invitations().Create(invitation),
                              input.team_id);
      }));
  sent.invitation_id = invitation.id;
  sent.link = InvitationLink(input.callback_url, code);
  return sent;
}

absl::StatusOr<std::string> TeamInvitations::Accept(
    const AcceptInput& input) const {
  const TeamActor& actor = input.actor;
  // Restricted users may be let through by the caller's header, but may
  // not join teams (Stack).
  if (input.restricted_reason_type.has_value()) {
    std::string reason =
        absl::StrCat("{\"type\":\"", *input.restricted_reason_type, "\"}");
    return ApiError(v1::RESTRICTED_USER_NOT_ALLOWED,
                    {{"restricted_reason", reason}});
  }
  std::string team_id;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        const absl::Time now = clock_.Now();
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::TeamInvitationRecord invitation,
            FindUsable(repos, actor.project_id, input.code, now));
        // Marked in this transaction: of two concurrent accepts one wins,
        // the other sees ALREADY_USED.
        absl::Status marked = repos.team_invitations().MarkAccepted(
            actor.project_id, invitation.id, now);
        if (marked.code() == absl::StatusCode::kFailedPrecondition ||
            absl::IsNotFound(marked)) {
          return ApiError(v1::VERIFICATION_CODE_ALREADY_USED);
        }
        LATCHKEY_RETURN_IF_ERROR(marked);
        team_id = invitation.team_id;
        absl::Status member =
            repos.teams()
                .GetMember(actor.project_id, invitation.team_id, actor.user_id)
                .status();
        if (member.ok()) return absl::OkStatus();  // Stack: nothing to do
        if (!absl::IsNotFound(member)) return member;
        return AddMemberWithDefaults(
            repos, actor.project_id, invitation.team_id, actor.user_id,
            input.config.team_member_default_permissions(), now);
      }));
  return team_id;
}

absl::Status TeamInvitations::Check(const std::string& project_id,
                                    const std::string& code) const {
  return database_.Run([&](storage::Repositories& repos) {
    return FindUsable(repos, project_id, code, clock_.Now()).status();
  });
}

absl::StatusOr<TeamInvitations::Details> TeamInvitations::GetDetails(
    const std::string& project_id, const std::string& code) const {
  Details details;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::TeamInvitationRecord invitation,
            FindUsable(repos, project_id, code, clock_.Now()));
        absl::StatusOr<storage::TeamRecord> team =
            repos.teams().Get(project_id, invitation.team_id);
        LATCHKEY_RETURN_IF_ERROR(
            TeamNotFoundOr(team.status(), invitation.team_id));
        details.team_id = team->id;
        details.team_display_name = team->display_name;
        return absl::OkStatus();
      }));
  return details;
}

absl::StatusOr<TeamInvitations::Pending> TeamInvitations::List(
    const TeamActor& actor, const std::string& team_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  Pending pending;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            RequireForTeam(repos, actor, *compiled, team_id,
                           {"$read_members", "$invite_members"}));
        absl::StatusOr<storage::TeamRecord> team =
            repos.teams().Get(actor.project_id, team_id);
        if (!team.ok()) return TeamNotFoundOr(team.status(), team_id);
        pending.team_display_name = team->display_name;
        LATCHKEY_ASSIGN_OR_RETURN(pending.invitations,
                                  repos.team_invitations().ListPending(
                                      actor.project_id, team_id, clock_.Now()));
        return absl::OkStatus();
      }));
  return pending;
}

absl::Status TeamInvitations::Revoke(const TeamActor& actor,
                                     const std::string& team_id,
                                     const std::string& invitation_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireForTeam(repos, actor, *compiled,
                                                team_id, {"$remove_members"}));
        absl::Status deleted = repos.team_invitations().Delete(
            actor.project_id, team_id, invitation_id);
        if (absl::IsNotFound(deleted)) {
          return ApiError(v1::TEAM_INVITATION_NOT_FOUND);
        }
        return deleted;
      });
}

}  // namespace latchkey::service::core
