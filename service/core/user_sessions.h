#ifndef SERVICE_CORE_USER_SESSIONS_H_
#define SERVICE_CORE_USER_SESSIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/core/project_directory.h"
#include "service/core/sign_in_services.h"
#include "service/core/start_session.h"
#include "storage/records.h"

namespace latchkey::service::core {

// A user's sessions as the account and the server see them: made for a
// user by a server, listed, revoked one by one, ended by signing out.
// Thread-safe.
class UserSessions {
 public:
  struct CreateInput {
    const ProjectSnapshot& project;
    std::string user_id;
    // An administrator acting as the user; such sessions are listed only
    // to administrators.
    bool is_impersonation = false;
    // None: the project's session lifetime.
    std::optional<absl::Duration> lifetime;
  };

  struct ListInput {
    std::string project_id;
    std::string user_id;
    bool include_impersonation = false;
  };

  struct RevokeInput {
    std::string project_id;
    // The user whose session it must be.
    std::string user_id;
    std::string session_id;
    // The caller's own session, if any: that one ends by signing out.
    std::optional<std::string> current_session_id;
  };

  explicit UserSessions(SignInServices services) : services_(services) {}

  // USER_ID_DOES_NOT_EXIST {user_id} for an unknown user.
  absl::StatusOr<SignedIn> Create(const CreateInput& input) const;

  // The user's live sessions, oldest first; USER_NOT_FOUND for an unknown
  // user.
  absl::StatusOr<std::vector<storage::SessionRecord>> List(
      const ListInput& input) const;

  // CANNOT_DELETE_CURRENT_SESSION for the caller's own; SESSION_NOT_FOUND
  // for a missing session or another user's (which must look the same).
  absl::Status Revoke(const RevokeInput& input) const;

  // A short-lived token for a WebSocket handshake, for a user whose session
  // is still live (REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED when it has ended,
  // expired, or is another user's): an access token outlives its session,
  // a new credential must not.
  absl::StatusOr<IssuedToken> IssueWebSocketToken(
      const std::string& project_id, const std::string& user_id,
      const std::string& session_id, absl::Duration lifetime) const;

  // Ends the session; REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED when it is gone.
  absl::Status SignOut(const std::string& project_id,
                       const std::string& session_id) const;

 private:
  const SignInServices services_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_SESSIONS_H_
