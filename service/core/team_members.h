#ifndef SERVICE_CORE_TEAM_MEMBERS_H_
#define SERVICE_CORE_TEAM_MEMBERS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "service/core/permission_catalog.h"
#include "service/core/team_actor.h"
#include "service/core/user_details.h"
#include "service/core/users.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Team memberships and member profiles, with Stack's rules for clients
// (team_actor.h):
//  - Add (server only): the user joins with the project's
//    team_member_default_permissions (undefined defaults skipped);
//    USER_NOT_FOUND, TEAM_NOT_FOUND, TEAM_MEMBERSHIP_ALREADY_EXISTS.
//  - Remove: anyone may leave; removing someone else takes
//    $remove_members. The user's grants in the team and a selection of it
//    go with the membership. TEAM_MEMBERSHIP_NOT_FOUND when not a member.
//  - Profiles: the per-team name and image, else the user's own. A client
//    must name a team (SCHEMA_ERROR), be its member, and hold
//    $read_members to see anyone else's; it may change only its own.
// Thread-safe; the references must outlive this object.
class TeamMembers {
 public:
  // A membership as a profile.
  struct Profile {
    std::string team_id;
    std::string user_id;
    std::optional<std::string> display_name;
    std::optional<std::string> profile_image_url;
    // The whole user, for server and admin callers only (the field is
    // server-only, so it is not read for clients).
    std::optional<UserDetails> user;
  };

  // What to change about the caller's profile in a team.
  struct ProfileChanges {
    Change<std::string> display_name;
    Change<std::string> profile_image_url;
  };

  TeamMembers(storage::Database& database, const common::Clock& clock,
              PermissionCatalog& catalog)
      : database_(database), clock_(clock), catalog_(catalog) {}

  absl::Status Add(const TeamActor& actor,
                   const identity::v1::ProjectConfig& config,
                   const std::string& team_id,
                   const std::string& user_id) const;

  absl::Status Remove(const TeamActor& actor, const std::string& team_id,
                      const std::string& user_id) const;

  // The profiles in `team_id`, or of `user_id` (in every team), or both;
  // with neither (server only), every membership of the project.
  // TEAM_NOT_FOUND / USER_NOT_FOUND for a server naming a missing one.
  absl::StatusOr<std::vector<Profile>> ListProfiles(
      const TeamActor& actor, const std::optional<std::string>& team_id,
      const std::optional<std::string>& user_id) const;

  absl::StatusOr<Profile> GetProfile(const TeamActor& actor,
                                     const std::string& team_id,
                                     const std::string& user_id) const;

  absl::StatusOr<Profile> UpdateProfile(const TeamActor& actor,
                                        const std::string& team_id,
                                        const std::string& user_id,
                                        const ProfileChanges& changes) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
  PermissionCatalog& catalog_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAM_MEMBERS_H_
