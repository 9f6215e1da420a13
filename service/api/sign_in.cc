#include "service/api/sign_in.h"

#include "service/core/token_subjects.h"

namespace latchkey::service::api {

absl::StatusOr<std::string> IssueAccessToken(
    AppContext& context, const core::ProjectSnapshot& project,
    const storage::UserView& user, const storage::SessionRecord& session) {
  return context.token_issuer.Issue(
      core::SubjectFor(user, project.config, session.id),
      absl::Seconds(project.config.access_token_lifetime_seconds()));
}

absl::StatusOr<SignedIn> StartSession(
    AppContext& context, storage::Repositories& repos,
    const core::ProjectSnapshot& project, const storage::UserView& user,
    bool is_impersonation, std::optional<absl::Duration> session_lifetime) {
  absl::StatusOr<core::IssuedSession> issued = context.sessions.Create(
      repos, project.project.id, user.user.id, is_impersonation, project.config,
      session_lifetime);
  if (!issued.ok()) return issued.status();
  absl::StatusOr<std::string> access =
      IssueAccessToken(context, project, user, issued->session);
  if (!access.ok()) return access.status();
  return SignedIn{*std::move(access), std::move(issued->refresh_token),
                  user.user.id, std::move(issued->session)};
}

}  // namespace latchkey::service::api
