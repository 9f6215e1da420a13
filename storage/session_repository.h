#ifndef STORAGE_SESSION_REPOSITORY_H_
#define STORAGE_SESSION_REPOSITORY_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// A session and its user, as one statement read them.
struct SessionWithUser {
  SessionRecord session;
  UserView user;
};

// Refresh sessions, found by the hash of their refresh token (the hot path
// of every token refresh: one indexed lookup). Bound to one connection for
// one Database callback; not thread-safe.
class SessionRepository {
 public:
  explicit SessionRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the session. Returns NOT_FOUND when the user is not in the
  // project; ALREADY_EXISTS (sessions_pkey, sessions_token_hash_unique,
  // sessions_rotation_unique).
  absl::Status Create(const SessionRecord& session);

  // The session, or NOT_FOUND (rotated and expired ones included).
  absl::StatusOr<SessionRecord> Get(std::string_view project_id,
                                    std::string_view session_id);

  // The session whose refresh token hashes to `token_hash`, in any project
  // (the caller compares project_id), with its user, in one statement (a
  // refresh needs both; on PostgreSQL each statement is a round trip), or
  // NOT_FOUND. Rotated and expired sessions are returned too, so reuse can
  // be detected.
  absl::StatusOr<SessionWithUser> FindByTokenHashWithUser(
      std::string_view token_hash);

  // The user's sessions that are neither rotated nor expired at `now`,
  // newest first.
  absl::StatusOr<std::vector<SessionRecord>> ListActiveForUser(
      std::string_view project_id, std::string_view user_id, absl::Time now);

  // Stamps last_used_at. Returns NOT_FOUND.
  absl::Status Touch(std::string_view project_id, std::string_view session_id,
                     absl::Time at);

  // Replaces session `old_session_id` with `next` (same family, counter + 1)
  // and stamps the old one rotated at `at`. Call inside RunInTransaction.
  // Returns NOT_FOUND, or ABORTED when the old session was rotated already
  // (a concurrent refresh won; the caller decides about grace and reuse).
  absl::Status Rotate(std::string_view project_id,
                      std::string_view old_session_id,
                      const SessionRecord& next, absl::Time at);

  // Revokes one session. Returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view session_id);

  // Revokes a whole rotation family (reuse detected). Returns how many.
  absl::StatusOr<int64_t> DeleteFamily(std::string_view project_id,
                                       std::string_view family_id);

  // Revokes every session of the user except `keep_session_id` (password
  // change keeps the current one). Returns how many were revoked.
  absl::StatusOr<int64_t> DeleteAllForUser(
      std::string_view project_id, std::string_view user_id,
      std::optional<std::string_view> keep_session_id = std::nullopt);

  // Deletes sessions that expired before `now`, in every project.
  absl::StatusOr<int64_t> DeleteExpired(absl::Time now);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_SESSION_REPOSITORY_H_
