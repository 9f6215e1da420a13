#include "service/api/sign_in.h"

namespace latchkey::service::api {

absl::StatusOr<std::string> IssueAccessToken(
    AppContext& context, const core::ProjectSnapshot& project,
    const storage::UserView& user, const storage::SessionRecord& session) {
  return core::IssueAccessToken(context.token_issuer, project, user, session);
}

absl::StatusOr<SignedIn> StartSession(
    AppContext& context, storage::Repositories& repos,
    const core::ProjectSnapshot& project, const storage::UserView& user,
    bool is_impersonation, std::optional<absl::Duration> session_lifetime) {
  return core::StartSession(context.sessions, context.token_issuer, repos,
                            project, user, is_impersonation, session_lifetime);
}

}  // namespace latchkey::service::api
