#ifndef SERVICE_CORE_TEAMS_H_
#define SERVICE_CORE_TEAMS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "service/core/permission_catalog.h"
#include "service/core/team_actor.h"
#include "service/core/users.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Teams themselves: create, read, change, delete and list, with Stack's
// rules for clients (team_actor.h):
//  - List: a client lists only its own teams (the user must be itself);
//    naming a user who does not exist is USER_NOT_FOUND.
//  - Create: clients need the project's client_team_creation_enabled
//    (CLIENT_TEAM_CREATION_NOT_ENABLED) and create as themselves; the
//    creator, when there is one, joins with the project's
//    team_creator_default_permissions in the same transaction (undefined
//    defaults are skipped). A server call without a creator makes a team
//    with no members.
//  - Get: a client must be a member (TEAM_MEMBERSHIP_NOT_FOUND, whether or
//    not the team exists); otherwise TEAM_NOT_FOUND.
//  - Update and Delete: a client needs $update_team / $delete_team.
//    Deleting takes the memberships, grants and invitations with it.
// Thread-safe; the references must outlive this object.
class Teams {
 public:
  struct NewTeam {
    std::string display_name;
    std::optional<std::string> profile_image_url;
    // JSON text; unset: no metadata (null).
    std::optional<std::string> client_metadata_json;
    std::optional<std::string> client_read_only_metadata_json;
    std::optional<std::string> server_metadata_json;
  };

  struct CreateInput {
    const TeamActor& actor;
    const identity::v1::ProjectConfig& config;
    // Resolved ("me" already replaced). For clients, the caller's own id
    // when the request named none.
    std::optional<std::string> creator_user_id;
    NewTeam team;
  };

  // What to change; unset members stay as they are.
  struct Changes {
    std::optional<std::string> display_name;
    Change<std::string> profile_image_url;
    // JSON text ("null" clears).
    std::optional<std::string> client_metadata_json;
    std::optional<std::string> client_read_only_metadata_json;
    std::optional<std::string> server_metadata_json;
  };

  Teams(storage::Database& database, const common::Clock& clock,
        PermissionCatalog& catalog)
      : database_(database), clock_(clock), catalog_(catalog) {}

  // Every team of the project, or those `user_id` is a member of.
  absl::StatusOr<std::vector<storage::TeamRecord>> List(
      const TeamActor& actor, const std::optional<std::string>& user_id) const;

  absl::StatusOr<storage::TeamRecord> Create(const CreateInput& input) const;

  absl::StatusOr<storage::TeamRecord> Get(const TeamActor& actor,
                                          const std::string& team_id) const;

  absl::StatusOr<storage::TeamRecord> Update(const TeamActor& actor,
                                             const std::string& team_id,
                                             const Changes& changes) const;

  absl::Status Delete(const TeamActor& actor, const std::string& team_id) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
  PermissionCatalog& catalog_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TEAMS_H_
