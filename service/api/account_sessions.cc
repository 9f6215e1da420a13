#include "service/api/account_sessions.h"

#include <string>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::AccessType;

// "me" or an explicit id: the user a session call is about. Clients may
// only name themselves.
absl::StatusOr<std::string> SubjectUser(const Caller& caller,
                                        const std::string& requested) {
  const std::string* own = caller.user_id();
  if (requested.empty() || requested == "me") {
    if (own == nullptr) {
      return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
    }
    return *own;
  }
  if (IsClient(caller) && (own == nullptr || *own != requested)) {
    return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
  }
  return requested;
}

}  // namespace

absl::Status RegisterAccountSessionMethods(MethodRegistry& registry,
                                           AppContext& context) {
  AppContext* ctx = &context;

  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::GetCurrentUserRequest,
                         identity::v1::User>(
          "identity.v1.AuthService.GetCurrentUser",
          [ctx](CallContext& call, const identity::v1::GetCurrentUserRequest&)
              -> absl::StatusOr<identity::v1::User> {
            const Caller& caller = call.caller();
            if (!caller.user.has_value()) {
              return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
            }
            absl::StatusOr<identity::v1::User> user;
            absl::Status status = ctx->database.Run(
                [&](storage::Repositories& repos) -> absl::Status {
                  auto view =
                      repos.users().Get(caller.project_id, caller.user->sub());
                  if (!view.ok()) return core::UserNotFoundOr(view.status());
                  user = UserToProto(repos, *view, caller.project->config);
                  return user.status();
                });
            if (!status.ok()) return status;
            return user;
          })));

  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::DeleteCurrentUserRequest,
                         identity::v1::SuccessResponse>(
          "identity.v1.AuthService.DeleteCurrentUser",
          [ctx](CallContext& call,
                const identity::v1::DeleteCurrentUserRequest&)
              -> absl::StatusOr<identity::v1::SuccessResponse> {
            const Caller& caller = call.caller();
            if (IsClient(caller) &&
                !caller.project->config.client_user_deletion_enabled()) {
              return ApiError(identity::v1::CLIENT_USER_DELETION_NOT_ENABLED);
            }
            // Sessions, memberships, grants and credentials go with the user.
            absl::Status status = ctx->database.RunInTransaction(
                [&](storage::Repositories& repos) {
                  return core::UserNotFoundOr(repos.users().Delete(
                      caller.project_id, caller.user->sub()));
                });
            if (!status.ok()) return status;
            identity::v1::SuccessResponse response;
            response.set_success(true);
            return response;
          })));

  LATCHKEY_RETURN_IF_ERROR((registry.Register<identity::v1::SignOutRequest,
                                              identity::v1::SuccessResponse>(
      "identity.v1.AuthService.SignOut",
      [ctx](CallContext& call, const identity::v1::SignOutRequest&)
          -> absl::StatusOr<identity::v1::SuccessResponse> {
        const Caller& caller = call.caller();
        const std::string& session_id = caller.user->refresh_token_id();
        absl::Status status =
            ctx->database.Run([&](storage::Repositories& repos) {
              return repos.sessions().Delete(caller.project_id, session_id);
            });
        if (status.code() == absl::StatusCode::kNotFound) {
          return ApiError(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
        }
        if (!status.ok()) return status;
        identity::v1::SuccessResponse response;
        response.set_success(true);
        return response;
      })));

  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::ListSessionsRequest,
                         identity::v1::ListSessionsResponse>(
          "identity.v1.AuthService.ListSessions",
          [ctx](CallContext& call,
                const identity::v1::ListSessionsRequest& request)
              -> absl::StatusOr<identity::v1::ListSessionsResponse> {
            const Caller& caller = call.caller();
            LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                                      SubjectUser(caller, request.user_id()));
            const std::string current =
                caller.user.has_value() ? caller.user->refresh_token_id() : "";
            // Impersonation sessions are an administrator's business.
            const bool show_impersonation =
                caller.access_type == identity::v1::ACCESS_TYPE_ADMIN;
            identity::v1::ListSessionsResponse response;
            absl::Status status = ctx->database.Run(
                [&](storage::Repositories& repos) -> absl::Status {
                  if (auto user = repos.users().Get(caller.project_id, user_id);
                      !user.ok()) {
                    return core::UserNotFoundOr(user.status());
                  }
                  auto sessions = repos.sessions().ListActiveForUser(
                      caller.project_id, user_id, ctx->clock.Now());
                  if (!sessions.ok()) return sessions.status();
                  for (const storage::SessionRecord& session : *sessions) {
                    if (session.is_impersonation && !show_impersonation)
                      continue;
                    *response.add_items() =
                        SessionToProto(session, session.id == current);
                  }
                  return absl::OkStatus();
                });
            if (!status.ok()) return status;
            response.set_is_paginated(false);
            return response;
          })));

  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<identity::v1::RevokeSessionRequest,
                         identity::v1::SuccessResponse>(
          "identity.v1.AuthService.RevokeSession",
          [ctx](CallContext& call,
                const identity::v1::RevokeSessionRequest& request)
              -> absl::StatusOr<identity::v1::SuccessResponse> {
            const Caller& caller = call.caller();
            LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                                      SubjectUser(caller, request.user_id()));
            if (caller.user.has_value() &&
                request.session_id() == caller.user->refresh_token_id()) {
              return ApiError(identity::v1::CANNOT_DELETE_CURRENT_SESSION);
            }
            absl::Status status = ctx->database.RunInTransaction(
                [&](storage::Repositories& repos) -> absl::Status {
                  auto session = repos.sessions().Get(caller.project_id,
                                                      request.session_id());
                  // Someone else's session is as absent as a missing one.
                  if (!session.ok() || session->user_id != user_id) {
                    return session.ok() || session.status().code() ==
                                               absl::StatusCode::kNotFound
                               ? ApiError(identity::v1::SESSION_NOT_FOUND)
                               : session.status();
                  }
                  return repos.sessions().Delete(caller.project_id,
                                                 request.session_id());
                });
            if (!status.ok()) return status;
            identity::v1::SuccessResponse response;
            response.set_success(true);
            return response;
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
