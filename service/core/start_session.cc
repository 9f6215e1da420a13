#include "service/core/start_session.h"

#include <utility>

#include "service/core/token_subjects.h"

namespace latchkey::service::core {

absl::StatusOr<std::string> IssueAccessToken(
    const AccessTokenIssuer& token_issuer, const ProjectSnapshot& project,
    const storage::UserView& user, const storage::SessionRecord& session) {
  absl::StatusOr<IssuedToken> issued = token_issuer.IssueWithExpiry(
      SubjectFor(user, project.config, session.id),
      absl::Seconds(project.config.access_token_lifetime_seconds()));
  if (!issued.ok()) return issued.status();
  return std::move(issued->token);
}

absl::StatusOr<SignedIn> StartSession(
    const SessionManager& sessions, const AccessTokenIssuer& token_issuer,
    storage::Repositories& repos, const ProjectSnapshot& project,
    const storage::UserView& user, bool is_impersonation,
    std::optional<absl::Duration> session_lifetime) {
  absl::StatusOr<IssuedSession> issued =
      sessions.Create(repos, project.project.id, user.user.id, is_impersonation,
                      project.config, session_lifetime);
  if (!issued.ok()) return issued.status();
  absl::StatusOr<std::string> access =
      IssueAccessToken(token_issuer, project, user, issued->session);
  if (!access.ok()) return access.status();
  return SignedIn{*std::move(access), std::move(issued->refresh_token),
                  user.user.id, std::move(issued->session)};
}

}  // namespace latchkey::service::core
