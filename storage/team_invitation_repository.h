#ifndef STORAGE_TEAM_INVITATION_REPOSITORY_H_
#define STORAGE_TEAM_INVITATION_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Invitations to join a team, found by the hash of their emailed code.
// Bound to one connection for one Database callback; not thread-safe.
class TeamInvitationRepository {
 public:
  explicit TeamInvitationRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the invitation. Returns NOT_FOUND when the team is not in the
  // project; ALREADY_EXISTS (team_invitations_pkey,
  // team_invitations_code_unique).
  absl::Status Create(const TeamInvitationRecord& invitation);

  // The invitation whose code hashes to `code_hash`, in any state, or
  // NOT_FOUND.
  absl::StatusOr<TeamInvitationRecord> FindByCodeHash(
      std::string_view project_id, std::string_view code_hash);

  // The team's invitations that are neither accepted nor expired at
  // `now`, oldest first.
  absl::StatusOr<std::vector<TeamInvitationRecord>> ListPending(
      std::string_view project_id, std::string_view team_id, absl::Time now);

  // Marks it accepted, once: FAILED_PRECONDITION when it was accepted
  // already, NOT_FOUND when absent.
  absl::Status MarkAccepted(std::string_view project_id,
                            std::string_view invitation_id, absl::Time at);

  // Revokes (deletes) an invitation of `team_id`. NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view team_id,
                      std::string_view invitation_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_TEAM_INVITATION_REPOSITORY_H_
