#ifndef SERVICE_CORE_SESSIONS_H_
#define SERVICE_CORE_SESSIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "identity/v1/project.pb.h"
#include "service/core/refresh_successors.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A new session and its refresh token, which exists only here: storage
// keeps its hash.
struct IssuedSession {
  storage::SessionRecord session;
  std::string refresh_token;
};

// The session a refresh token stands for, after a refresh.
struct RefreshedSession {
  storage::SessionRecord session;
  // Set when the project rotates refresh tokens: the token to use next.
  std::optional<std::string> next_refresh_token;
  // The session's user, read in the same statement as the session.
  storage::UserView user;
};

// Refresh sessions: opaque 45-character tokens, stored only as hashes,
// reusable by default (Stack's SDK keeps its first token), with optional
// rotation and reuse detection per project. Thread-safe.
class SessionManager {
 public:
  // `successors` derives the token each rotation hands out (see
  // refresh_successors.h), from the server secret.
  SessionManager(storage::Database& database, const common::Clock& clock,
                 RefreshTokenSuccessors successors)
      : database_(database),
        clock_(clock),
        successors_(std::move(successors)) {}

  // Creates a session inside the caller's transaction. `lifetime` nullopt:
  // the project's refresh_token_lifetime_seconds. Returns the repository's
  // error (NOT_FOUND for an unknown user).
  absl::StatusOr<IssuedSession> Create(
      storage::Repositories& repos, absl::string_view project_id,
      absl::string_view user_id, bool is_impersonation,
      const identity::v1::ProjectConfig& config,
      std::optional<absl::Duration> lifetime = std::nullopt) const;

  // Resolves a refresh token of `project_id`. Without rotation the session
  // is returned as is (last_used_at is written at most once a minute).
  // With rotation, the token is replaced by its successor (derived from it,
  // refresh_successors.h). Concurrent refreshes of one token all answer
  // that same successor: the first to commit rotates, the others find its
  // row. A token already replaced is accepted within the project's grace
  // window: the answer is the family's live token, reached by following
  // the successors (a tab that refreshed twice meanwhile does not log out
  // a slower one), at most kMaxSuccessorSteps of them; a chain that leads
  // nowhere live (revoked, expired, or rotated by a release that drew
  // successors at random) is REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED without
  // revoking anything. Beyond the grace window a replaced token counts as
  // reuse: the whole family is revoked. next_refresh_token is set whenever
  // `config` rotates, also for the answers within grace.
  // REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED (api_error.h) for unknown, expired,
  // revoked or reused tokens and tokens of another project; the database's
  // error otherwise. `admit`, when given, is asked once the token is known
  // to be live and before anything is written (the per-session rate limit);
  // its error is returned as is.
  using RefreshAdmission =
      std::function<absl::Status(const storage::SessionRecord& session)>;
  absl::StatusOr<RefreshedSession> Refresh(
      absl::string_view project_id, absl::string_view refresh_token,
      const identity::v1::ProjectConfig& config,
      const RefreshAdmission& admit = nullptr) const;

  // The session a token stands for, without touching it (sign-out and
  // revocation by token). NOT_FOUND when unknown or of another project.
  absl::StatusOr<storage::SessionRecord> FindByToken(
      absl::string_view project_id, absl::string_view refresh_token) const;

  // How many rotations within one grace window the successor walk follows.
  static constexpr int kMaxSuccessorSteps = 16;

 private:
  // FindByToken with the session's user, read in the same statement.
  absl::StatusOr<storage::SessionWithUser> FindWithUser(
      absl::string_view project_id, absl::string_view refresh_token) const;

  // `user` is the family's user, handed to the answer.
  absl::StatusOr<RefreshedSession> LiveSuccessor(
      const storage::SessionRecord& rotated, absl::string_view refresh_token,
      const identity::v1::ProjectConfig& config, storage::UserView user) const;

  storage::Database& database_;
  const common::Clock& clock_;
  const RefreshTokenSuccessors successors_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_SESSIONS_H_
