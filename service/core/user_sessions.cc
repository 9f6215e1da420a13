#include "service/core/user_sessions.h"

#include "common/status_macros.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::StatusOr<SignedIn> UserSessions::Create(const CreateInput& input) const {
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().Get(input.project.project.id, input.user_id);
        if (user.status().code() == absl::StatusCode::kNotFound) {
          return ApiError(identity::v1::USER_ID_DOES_NOT_EXIST,
                          {{"user_id", input.user_id}});
        }
        if (!user.ok()) return user.status();
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services_.sessions, services_.token_issuer,
                                    repos, input.project, *user,
                                    input.is_impersonation, input.lifetime));
        return absl::OkStatus();
      }));
  return *std::move(signed_in);
}

absl::StatusOr<std::vector<storage::SessionRecord>> UserSessions::List(
    const ListInput& input) const {
  std::vector<storage::SessionRecord> sessions;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        sessions.clear();
        if (auto user = repos.users().Get(input.project_id, input.user_id);
            !user.ok()) {
          return UserNotFoundOr(user.status());
        }
        LATCHKEY_ASSIGN_OR_RETURN(
            std::vector<storage::SessionRecord> live,
            repos.sessions().ListActiveForUser(input.project_id, input.user_id,
                                               services_.clock.Now()));
        for (storage::SessionRecord& session : live) {
          if (session.is_impersonation && !input.include_impersonation) {
            continue;
          }
          sessions.push_back(std::move(session));
        }
        return absl::OkStatus();
      }));
  return sessions;
}

absl::Status UserSessions::Revoke(const RevokeInput& input) const {
  if (input.current_session_id.has_value() &&
      input.session_id == *input.current_session_id) {
    return ApiError(identity::v1::CANNOT_DELETE_CURRENT_SESSION);
  }
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        auto session = repos.sessions().Get(input.project_id, input.session_id);
        // Someone else's session is as absent as a missing one.
        if (!session.ok() || session->user_id != input.user_id) {
          return session.ok() ||
                         session.status().code() == absl::StatusCode::kNotFound
                     ? ApiError(identity::v1::SESSION_NOT_FOUND)
                     : session.status();
        }
        return repos.sessions().Delete(input.project_id, input.session_id);
      });
}

absl::StatusOr<IssuedToken> UserSessions::IssueWebSocketToken(
    const std::string& project_id, const std::string& user_id,
    const std::string& session_id, absl::Duration lifetime) const {
  absl::StatusOr<storage::SessionRecord> session;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) {
        session = repos.sessions().Get(project_id, session_id);
        return session.status().code() == absl::StatusCode::kNotFound
                   ? absl::OkStatus()
                   : session.status();
      }));
  if (!session.ok() || session->user_id != user_id ||
      (session->expires_at.has_value() &&
       *session->expires_at <= services_.clock.Now())) {
    return ApiError(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
  }
  TokenSubject subject;
  subject.project_id = project_id;
  subject.user_id = user_id;
  subject.session_id = session_id;
  return services_.token_issuer.IssueWebSocketToken(subject, lifetime);
}

absl::Status UserSessions::SignOut(const std::string& project_id,
                                   const std::string& session_id) const {
  absl::Status status =
      services_.database.Run([&](storage::Repositories& repos) {
        return repos.sessions().Delete(project_id, session_id);
      });
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
  }
  return status;
}

}  // namespace latchkey::service::core
