#ifndef SERVICE_CORE_START_SESSION_H_
#define SERVICE_CORE_START_SESSION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/core/access_tokens.h"
#include "service/core/project_directory.h"
#include "service/core/sessions.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// The tokens a sign-in hands out.
struct SignedIn {
  std::string access_token;
  std::string refresh_token;
  std::string user_id;
  storage::SessionRecord session;
};

// Starts a session for `user` (inside the caller's transaction `repos`) and
// issues its first access token, valid for the project's access-token
// lifetime. `session_lifetime` nullopt: the project's refresh-token
// lifetime. Every sign-in flow ends here. Returns the repositories' or
// signing errors.
absl::StatusOr<SignedIn> StartSession(
    const SessionManager& sessions, const AccessTokenIssuer& token_issuer,
    storage::Repositories& repos, const ProjectSnapshot& project,
    const storage::UserView& user, bool is_impersonation = false,
    std::optional<absl::Duration> session_lifetime = std::nullopt);

// A fresh access token for an existing session, from the user's current
// row (so renames, restrictions and team changes show at the next refresh).
absl::StatusOr<std::string> IssueAccessToken(
    const AccessTokenIssuer& token_issuer, const ProjectSnapshot& project,
    const storage::UserView& user, const storage::SessionRecord& session);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_START_SESSION_H_
