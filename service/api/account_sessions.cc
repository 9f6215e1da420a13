#include "service/api/account_sessions.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "service/api/auth_common.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/core/own_account.h"
#include "service/core/user_details.h"
#include "service/core/user_sessions.h"
#include "service/core/user_snapshot_cache.h"
#include "service/errors/api_error.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using identity::v1::DeleteCurrentUserRequest;
using identity::v1::GetCurrentUserRequest;
using identity::v1::ListSessionsRequest;
using identity::v1::ListSessionsResponse;
using identity::v1::RevokeSessionRequest;
using identity::v1::SignOutRequest;
using identity::v1::SuccessResponse;
using identity::v1::User;

// "me" (or nothing) or an explicit id: the user a session call is about.
// Clients may only name themselves.
absl::StatusOr<std::string> SubjectUser(const Caller& caller,
                                        const std::string& requested) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string user_id,
      ResolveUserId(caller, requested.empty() ? "me" : requested));
  const std::string* own = caller.user_id();
  if (IsClient(caller) && (own == nullptr || *own != user_id)) {
    return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
  }
  return user_id;
}

// The AuthService RPCs about the signed-in user and their sessions.
class AccountSessionMethods {
 public:
  explicit AccountSessionMethods(AppContext& context)
      : context_(context), sessions_(SignInServicesOf(context)) {}

  absl::StatusOr<User> GetCurrentUser(CallContext& call,
                                      const GetCurrentUserRequest&) {
    const Caller& caller = call.caller();
    if (!caller.user.has_value()) {
      return ApiError(identity::v1::CANNOT_GET_OWN_USER_WITHOUT_USER);
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        std::shared_ptr<const core::UserDetails> details,
        core::LoadUserDetailsCached(context_.database, context_.user_snapshots,
                                    context_.clock, caller.project_id,
                                    caller.user->sub()));
    return UserToProto(
        *details, caller.project->config,
        ImageLinksFor(context_.config.public_url, caller.project_id));
  }

  // The contract requires a signed-in user for the rest.
  absl::StatusOr<SuccessResponse> DeleteCurrentUser(
      CallContext& call, const DeleteCurrentUserRequest&) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(
        core::DeleteOwnAccount(context_.database, *caller.project,
                               caller.user->sub(), IsClient(caller)));
    return Success();
  }

  absl::StatusOr<SuccessResponse> SignOut(CallContext& call,
                                          const SignOutRequest&) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(
        sessions_.SignOut(caller.project_id, caller.user->refresh_token_id()));
    return Success();
  }

  absl::StatusOr<ListSessionsResponse> ListSessions(
      CallContext& call, const ListSessionsRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              SubjectUser(caller, request.user_id()));
    // Impersonation sessions are an administrator's business.
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::SessionRecord> sessions,
        sessions_.List(
            {caller.project_id, user_id,
             caller.access_type == identity::v1::ACCESS_TYPE_ADMIN}));
    const std::string current =
        caller.user.has_value() ? caller.user->refresh_token_id() : "";
    ListSessionsResponse response;
    for (const storage::SessionRecord& session : sessions) {
      *response.add_items() = SessionToProto(session, session.id == current);
    }
    response.set_is_paginated(false);
    return response;
  }

  absl::StatusOr<SuccessResponse> RevokeSession(
      CallContext& call, const RevokeSessionRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              SubjectUser(caller, request.user_id()));
    core::UserSessions::RevokeInput input{caller.project_id, user_id,
                                          request.session_id()};
    if (caller.user.has_value()) {
      input.current_session_id = caller.user->refresh_token_id();
    }
    LATCHKEY_RETURN_IF_ERROR(sessions_.Revoke(input));
    return Success();
  }

 private:
  AppContext& context_;
  const core::UserSessions sessions_;
};

}  // namespace

absl::Status RegisterAccountSessionMethods(MethodRegistry& registry,
                                           AppContext& context) {
  using Methods = AccountSessionMethods;
  ServiceBinder<Methods> bind(registry, "identity.v1.AuthService",
                              std::make_shared<Methods>(context));
  bind("GetCurrentUser", &Methods::GetCurrentUser);
  bind("DeleteCurrentUser", &Methods::DeleteCurrentUser);
  bind("SignOut", &Methods::SignOut);
  bind("ListSessions", &Methods::ListSessions);
  bind("RevokeSession", &Methods::RevokeSession);
  return bind.status();
}

}  // namespace latchkey::service::api
