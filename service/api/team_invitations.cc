#include "service/api/team_invitations.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "identity/v1/team_permission.pb.h"
#include "service/api/protos.h"
#include "service/core/emails.h"
#include "service/core/team_membership.h"
#include "service/core/trusted_domains.h"
#include "service/errors/api_error.h"
#include "service/mail/email_templates.h"

namespace latchkey::service::api::teams {
namespace {

namespace v1 = identity::v1;

// Stack's verification codes live 7 days.
constexpr absl::Duration kInvitationLifetime = absl::Hours(24 * 7);

absl::Status CheckCallbackUrl(const core::ProjectSnapshot& project,
                              absl::string_view url) {
  std::vector<core::DomainPattern> patterns;
  for (const v1::TrustedDomain& domain : project.config.domains()) {
    // Validated when written; a pattern that no longer parses is skipped
    // rather than trusted.
    if (auto parsed = core::ParseDomainPattern(domain.domain()); parsed.ok()) {
      patterns.push_back(*std::move(parsed));
    }
  }
  if (!core::IsTrustedRedirectUrl(url, patterns,
                                  project.config.allow_localhost())) {
    return ApiError(v1::REDIRECT_URL_NOT_WHITELISTED);
  }
  return absl::OkStatus();
}

// `<callback_url>?code=<code>`, keeping the URL's own query and fragment.
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

absl::StatusOr<v1::SendTeamInvitationResponse> Send(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::SendTeamInvitationRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            core::NormalizeEmail(r.email(), "body.email"));
  LATCHKEY_RETURN_IF_ERROR(CheckCallbackUrl(*caller.project, r.callback_url()));
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  LATCHKEY_ASSIGN_OR_RETURN(std::string code, crypto::RandomToken());
  storage::TeamInvitationRecord invitation;
  LATCHKEY_ASSIGN_OR_RETURN(invitation.id, crypto::RandomUuidV4());
  invitation.project_id = caller.project_id;
  invitation.team_id = r.team_id();
  invitation.recipient_email = email;
  invitation.code_hash = crypto::HashToken(code);
  if (caller.user.has_value())
    invitation.invited_by_user_id = caller.user->sub();
  invitation.created_at = context.clock.Now();
  invitation.expires_at = invitation.created_at + kInvitationLifetime;
  std::string team_name;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
            repos, caller, *compiled, r.team_id(), "$invite_members"));
        absl::StatusOr<storage::TeamRecord> team =
            repos.teams().Get(caller.project_id, r.team_id());
        LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(team.status(), r.team_id()));
        team_name = team->display_name;
        return absl::OkStatus();
      }));
  // Counted once the caller may invite, so refused calls do not use up the
  // recipient's allowance, and before anything is stored.
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.Consume(
      caller.project_id, absl::StrCat("email:", email),
      caller.project->config.rate_limits().email_per_address()));
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        // NOT_FOUND: the team was deleted a moment ago.
        return TeamNotFoundOr(repos.team_invitations().Create(invitation),
                              r.team_id());
      }));
  mail::TemplateValues values;
  values.project = caller.project->config.display_name_for_emails().empty()
                       ? caller.project->project.display_name
                       : caller.project->config.display_name_for_emails();
  values.team = team_name;
  values.email = email;
  values.link = InvitationLink(r.callback_url(), code);
  context.mail.Enqueue(mail::RenderEmail(mail::kTeamInvitation, values,
                                         caller.project->config, email));
  v1::SendTeamInvitationResponse response;
  response.set_success(true);
  response.set_id(invitation.id);
  return response;
}

absl::StatusOr<v1::AcceptTeamInvitationResponse> Accept(
    AppContext& context, CallContext& call,
    const v1::AcceptTeamInvitationRequest& r) {
  const Caller& caller = call.caller();
  // The access rule requires a user; restricted users may be let through
  // by the caller's header, but may not join teams (Stack).
  if (caller.user->is_restricted()) {
    std::string reason = absl::StrCat(
        "{\"type\":\"", caller.user->restricted_reason().type(), "\"}");
    return ApiError(v1::RESTRICTED_USER_NOT_ALLOWED,
                    {{"restricted_reason", reason}});
  }
  const std::string& user_id = caller.user->sub();
  v1::AcceptTeamInvitationResponse response;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        const absl::Time now = context.clock.Now();
        LATCHKEY_ASSIGN_OR_RETURN(
            storage::TeamInvitationRecord invitation,
            FindUsable(repos, caller.project_id, r.code(), now));
        // Marked in this transaction: of two concurrent accepts one wins,
        // the other sees ALREADY_USED.
        absl::Status marked = repos.team_invitations().MarkAccepted(
            caller.project_id, invitation.id, now);
        if (marked.code() == absl::StatusCode::kFailedPrecondition ||
            absl::IsNotFound(marked)) {
          return ApiError(v1::VERIFICATION_CODE_ALREADY_USED);
        }
        LATCHKEY_RETURN_IF_ERROR(marked);
        response.set_team_id(invitation.team_id);
        absl::Status member =
            repos.teams()
                .GetMember(caller.project_id, invitation.team_id, user_id)
                .status();
        if (member.ok()) return absl::OkStatus();  // Stack: nothing to do
        if (!absl::IsNotFound(member)) return member;
        return core::AddMemberWithDefaults(
            repos, caller.project_id, invitation.team_id, user_id,
            caller.project->config.team_member_default_permissions(), now);
      }));
  return response;
}

absl::StatusOr<v1::CheckCodeResponse> CheckCode(AppContext& context,
                                                CallContext& call,
                                                const v1::CheckCodeRequest& r) {
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) {
        return FindUsable(repos, call.caller().project_id, r.code(),
                          context.clock.Now())
            .status();
      }));
  v1::CheckCodeResponse response;
  response.set_is_code_valid(true);
  return response;
}

absl::StatusOr<v1::TeamInvitationDetails> Details(
    AppContext& context, CallContext& call,
    const v1::GetTeamInvitationDetailsRequest& r) {
  const Caller& caller = call.caller();
  v1::TeamInvitationDetails details;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(storage::TeamInvitationRecord invitation,
                                  FindUsable(repos, caller.project_id, r.code(),
                                             context.clock.Now()));
        absl::StatusOr<storage::TeamRecord> team =
            repos.teams().Get(caller.project_id, invitation.team_id);
        LATCHKEY_RETURN_IF_ERROR(
            TeamNotFoundOr(team.status(), invitation.team_id));
        details.set_team_id(team->id);
        details.set_team_display_name(team->display_name);
        return absl::OkStatus();
      }));
  return details;
}

// Clients must be members holding every permission in `required`.
absl::Status RequireForTeam(storage::Repositories& repos, const Caller& caller,
                            const core::CompiledPermissions& compiled,
                            const std::string& team_id,
                            std::initializer_list<std::string_view> required) {
  if (IsClient(caller)) {
    LATCHKEY_RETURN_IF_ERROR(core::RequireMember(
        repos, caller.project_id, team_id, ClientUserId(caller)));
    for (std::string_view permission : required) {
      LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
          repos, caller, compiled, team_id, permission));
    }
    return absl::OkStatus();
  }
  return TeamNotFoundOr(repos.teams().Get(caller.project_id, team_id).status(),
                        team_id);
}

absl::StatusOr<v1::ListTeamInvitationsResponse> List(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::ListTeamInvitationsRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  v1::ListTeamInvitationsResponse response;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(
            RequireForTeam(repos, caller, *compiled, r.team_id(),
                           {"$read_members", "$invite_members"}));
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::TeamInvitationRecord> pending,
            repos.team_invitations().ListPending(caller.project_id, r.team_id(),
                                                 context.clock.Now()));
        for (const storage::TeamInvitationRecord& invitation : pending) {
          v1::TeamInvitation* item = response.add_items();
          item->set_id(invitation.id);
          item->set_team_id(invitation.team_id);
          item->set_recipient_email(invitation.recipient_email);
          item->set_expires_at_millis(Millis(invitation.expires_at));
        }
        return absl::OkStatus();
      }));
  response.set_is_paginated(false);
  return response;
}

absl::StatusOr<v1::SuccessResponse> Revoke(
    AppContext& context, TeamServiceState& state, CallContext& call,
    const v1::RevokeTeamInvitationRequest& r) {
  const Caller& caller = call.caller();
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled,
                            state.catalog.Get(caller.project_id));
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireForTeam(
            repos, caller, *compiled, r.team_id(), {"$remove_members"}));
        absl::Status deleted = repos.team_invitations().Delete(
            caller.project_id, r.team_id(), r.invitation_id());
        if (absl::IsNotFound(deleted)) {
          return ApiError(v1::TEAM_INVITATION_NOT_FOUND);
        }
        return deleted;
      }));
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
}

}  // namespace

absl::Status RegisterTeamInvitationMethods(
    MethodRegistry& registry, AppContext& context,
    std::shared_ptr<TeamServiceState> state) {
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::SendTeamInvitationRequest,
                                               v1::SendTeamInvitationResponse>(
      registry, "SendTeamInvitation",
      [ctx, state](CallContext& call, const v1::SendTeamInvitationRequest& r) {
        return Send(*ctx, *state, call, r);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::AcceptTeamInvitationRequest,
                          v1::AcceptTeamInvitationResponse>(
          registry, "AcceptTeamInvitation",
          [ctx](CallContext& call, const v1::AcceptTeamInvitationRequest& r) {
            return Accept(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::CheckCodeRequest, v1::CheckCodeResponse>(
          registry, "CheckTeamInvitationCode",
          [ctx](CallContext& call, const v1::CheckCodeRequest& r) {
            return CheckCode(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (RegisterTeamMethod<v1::GetTeamInvitationDetailsRequest,
                          v1::TeamInvitationDetails>(
          registry, "GetTeamInvitationDetails",
          [ctx](CallContext& call,
                const v1::GetTeamInvitationDetailsRequest& r) {
            return Details(*ctx, call, r);
          })));
  LATCHKEY_RETURN_IF_ERROR((RegisterTeamMethod<v1::ListTeamInvitationsRequest,
                                               v1::ListTeamInvitationsResponse>(
      registry, "ListTeamInvitations",
      [ctx, state](CallContext& call, const v1::ListTeamInvitationsRequest& r) {
        return List(*ctx, *state, call, r);
      })));
  return RegisterTeamMethod<v1::RevokeTeamInvitationRequest,
                            v1::SuccessResponse>(
      registry, "RevokeTeamInvitation",
      [ctx, state](CallContext& call,
                   const v1::RevokeTeamInvitationRequest& r) {
        return Revoke(*ctx, *state, call, r);
      });
}

}  // namespace latchkey::service::api::teams
