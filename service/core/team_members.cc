#include "service/core/team_members.h"

#include <utility>

#include "common/status_macros.h"
#include "service/core/image_urls.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// A membership as a profile: the per-team name and image, else the user's.
absl::StatusOr<TeamMembers::Profile> ProfileOf(
    storage::Repositories& repos, const TeamActor& actor,
    const storage::TeamMemberRecord& member) {
  absl::StatusOr<storage::UserView> user =
      repos.users().Get(actor.project_id, member.user_id);
  LATCHKEY_RETURN_IF_ERROR(UserNotFoundOr(user.status()));
  TeamMembers::Profile profile;
  profile.team_id = member.team_id;
  profile.user_id = member.user_id;
  profile.display_name = member.display_name.has_value()
                             ? member.display_name
                             : user->user.display_name;
  profile.profile_image_url = member.profile_image_url.has_value()
                                  ? member.profile_image_url
                                  : user->user.profile_image_url;
  // Server-only: client callers never see it, so do not read it for them.
  if (!actor.client) {
    LATCHKEY_ASSIGN_OR_RETURN(profile.user,
                              ReadUserDetails(repos, *std::move(user)));
  }
  return profile;
}

}  // namespace

absl::Status TeamMembers::Add(const TeamActor& actor,
                              const identity::v1::ProjectConfig& config,
                              const std::string& team_id,
                              const std::string& user_id) const {
  return database_.RunInTransaction([&](storage::Repositories& repos) {
    return AddMemberWithDefaults(repos, actor.project_id, team_id, user_id,
                                 config.team_member_default_permissions(),
                                 clock_.Now());
  });
}

absl::Status TeamMembers::Remove(const TeamActor& actor,
                                 const std::string& team_id,
                                 const std::string& user_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  return database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        // Anyone may leave; removing someone else takes $remove_members.
        if (actor.client && user_id != actor.user_id) {
          LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
              repos, actor, *compiled, team_id, "$remove_members"));
        }
        // Grants in the team and a selected team go with the membership.
        return MembershipNotFoundOr(
            repos.teams().RemoveMember(actor.project_id, team_id, user_id),
            team_id, user_id);
      });
}

absl::StatusOr<std::vector<TeamMembers::Profile>> TeamMembers::ListProfiles(
    const TeamActor& actor, const std::optional<std::string>& team_id,
    const std::optional<std::string>& user_id) const {
  if (actor.client && !team_id.has_value()) {
    return SchemaError("query.team_id is required for client access");
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  std::vector<Profile> profiles;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        profiles.clear();  // a retried transaction starts over
        if (actor.client) {
          // Their own profile needs membership; others' need $read_members.
          LATCHKEY_RETURN_IF_ERROR(
              RequireMember(repos, actor.project_id, *team_id, actor.user_id));
          if (user_id != actor.user_id) {
            LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
                repos, actor, *compiled, *team_id, "$read_members"));
          }
        } else {
          if (team_id.has_value()) {
            LATCHKEY_RETURN_IF_ERROR(TeamNotFoundOr(
                repos.teams().Get(actor.project_id, *team_id).status(),
                *team_id));
          }
          if (user_id.has_value()) {
            LATCHKEY_RETURN_IF_ERROR(UserNotFoundOr(
                repos.users().Get(actor.project_id, *user_id).status()));
          }
        }
        std::vector<storage::TeamMemberRecord> members;
        if (team_id.has_value()) {
          LATCHKEY_ASSIGN_OR_RETURN(
              members, repos.teams().ListMembers(actor.project_id, *team_id));
        } else if (user_id.has_value()) {
          LATCHKEY_ASSIGN_OR_RETURN(
              members,
              repos.teams().ListMembershipsOfUser(actor.project_id, *user_id));
        } else {
          LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::TeamRecord> teams,
                                    repos.teams().List(actor.project_id));
          for (const storage::TeamRecord& team : teams) {
            LATCHKEY_ASSIGN_OR_RETURN(
                std::vector<storage::TeamMemberRecord> of_team,
                repos.teams().ListMembers(actor.project_id, team.id));
            members.insert(members.end(), of_team.begin(), of_team.end());
          }
        }
        for (const storage::TeamMemberRecord& member : members) {
          if (user_id.has_value() && member.user_id != *user_id) continue;
          LATCHKEY_ASSIGN_OR_RETURN(profiles.emplace_back(),
                                    ProfileOf(repos, actor, member));
        }
        return absl::OkStatus();
      }));
  return profiles;
}

absl::StatusOr<TeamMembers::Profile> TeamMembers::GetProfile(
    const TeamActor& actor, const std::string& team_id,
    const std::string& user_id) const {
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  Profile profile;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        if (actor.client && user_id != actor.user_id) {
          LATCHKEY_RETURN_IF_ERROR(RequireClientTeamPermission(
              repos, actor, *compiled, team_id, "$read_members"));
        }
        absl::StatusOr<storage::TeamMemberRecord> member =
            repos.teams().GetMember(actor.project_id, team_id, user_id);
        LATCHKEY_RETURN_IF_ERROR(
            MembershipNotFoundOr(member.status(), team_id, user_id));
        LATCHKEY_ASSIGN_OR_RETURN(profile, ProfileOf(repos, actor, *member));
        return absl::OkStatus();
      }));
  return profile;
}

absl::StatusOr<TeamMembers::Profile> TeamMembers::UpdateProfile(
    const TeamActor& actor, const std::string& team_id,
    const std::string& user_id, const ProfileChanges& changes) const {
  LATCHKEY_RETURN_IF_ERROR(RequireSelf(actor, user_id));
  if (changes.profile_image_url.has_value() &&
      changes.profile_image_url->has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckImageUrl("body.profile_image_url", **changes.profile_image_url));
  }
  Profile profile;
  LATCHKEY_RETURN_IF_ERROR(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::TeamMemberRecord> member =
            repos.teams().GetMember(actor.project_id, team_id, user_id);
        LATCHKEY_RETURN_IF_ERROR(
            MembershipNotFoundOr(member.status(), team_id, user_id));
        if (changes.display_name.has_value()) {
          member->display_name = *changes.display_name;
        }
        if (changes.profile_image_url.has_value()) {
          member->profile_image_url = *changes.profile_image_url;
        }
        LATCHKEY_RETURN_IF_ERROR(repos.teams().UpdateMemberProfile(*member));
        LATCHKEY_ASSIGN_OR_RETURN(profile, ProfileOf(repos, actor, *member));
        return absl::OkStatus();
      }));
  return profile;
}

}  // namespace latchkey::service::core
