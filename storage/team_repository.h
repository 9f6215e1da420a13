#ifndef STORAGE_TEAM_REPOSITORY_H_
#define STORAGE_TEAM_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Teams and their memberships (with per-team member profiles). Deleting a
// team removes its memberships, grants and invitations by cascade.
// Bound to one connection for one Database callback; not thread-safe.
class TeamRepository {
 public:
  explicit TeamRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the team. Returns ALREADY_EXISTS (teams_pkey), NOT_FOUND for
  // an unknown project, INVALID_ARGUMENT for malformed metadata JSON.
  absl::Status Create(const TeamRecord& team);

  // The team, or NOT_FOUND.
  absl::StatusOr<TeamRecord> Get(std::string_view project_id,
                                 std::string_view team_id);

  // Every team of the project, oldest first.
  absl::StatusOr<std::vector<TeamRecord>> List(std::string_view project_id);

  // The teams the user is a member of, oldest membership first.
  absl::StatusOr<std::vector<TeamRecord>> ListForUser(
      std::string_view project_id, std::string_view user_id);

  // Overwrites display name, image and metadata. Returns NOT_FOUND or
  // INVALID_ARGUMENT (JSON).
  absl::Status Update(const TeamRecord& team);

  // Deletes the team with its memberships, grants and invitations; users
  // who had selected it get no selected team. Returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view team_id);

  // Adds a member. Returns ALREADY_EXISTS (team_members_pkey), NOT_FOUND
  // when the team or the user is not in the project.
  absl::Status AddMember(const TeamMemberRecord& member);

  // The membership, or NOT_FOUND.
  absl::StatusOr<TeamMemberRecord> GetMember(std::string_view project_id,
                                             std::string_view team_id,
                                             std::string_view user_id);

  // The team's members, oldest first.
  absl::StatusOr<std::vector<TeamMemberRecord>> ListMembers(
      std::string_view project_id, std::string_view team_id);

  // The user's memberships, oldest first.
  absl::StatusOr<std::vector<TeamMemberRecord>> ListMembershipsOfUser(
      std::string_view project_id, std::string_view user_id);

  // Overwrites the member's per-team display name and image. NOT_FOUND.
  absl::Status UpdateMemberProfile(const TeamMemberRecord& member);

  // Removes the member with their grants in the team, and clears the
  // user's selected team if it was this one (call inside RunInTransaction
  // so both happen or neither). Returns NOT_FOUND.
  absl::Status RemoveMember(std::string_view project_id,
                            std::string_view team_id, std::string_view user_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_TEAM_REPOSITORY_H_
