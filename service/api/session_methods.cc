#include "service/api/session_methods.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/random.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/common.pb.h"
#include "service/api/sign_in.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::AnonymousSignUpRequest;
using identity::v1::CreateSessionRequest;
using identity::v1::CreateSessionResponse;
using identity::v1::SignInResponse;

using common::Std;

absl::StatusOr<SignInResponse> AnonymousSignUp(
    AppContext& context, const AnonymousSignUpAdmission& admit,
    CallContext& call) {
  const core::ProjectSnapshot& project = *call.caller().project;
  if (!project.config.anonymous_accounts_enabled()) {
    return ApiError(identity::v1::ANONYMOUS_ACCOUNTS_NOT_ENABLED);
  }
  if (admit) {
    LATCHKEY_RETURN_IF_ERROR(admit(call, project));
  }

  storage::UserView user;
  LATCHKEY_ASSIGN_OR_RETURN(user.user.id, crypto::RandomUuidV4());
  user.user.project_id = project.project.id;
  user.user.is_anonymous = true;
  user.user.signed_up_at = context.clock.Now();
  user.user.last_active_at = user.user.signed_up_at;
  // The user and its session together or neither: a user nobody can ever
  // sign in as would be litter.
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.users().Create(user.user));
        LATCHKEY_ASSIGN_OR_RETURN(signed_in,
                                  StartSession(context, repos, project, user));
        return absl::OkStatus();
      }));
  SignInResponse response;
  response.set_access_token(std::move(signed_in->access_token));
  response.set_refresh_token(std::move(signed_in->refresh_token));
  response.set_user_id(std::move(signed_in->user_id));
  return response;
}

absl::StatusOr<CreateSessionResponse> CreateSession(
    AppContext& context, CallContext& call,
    const CreateSessionRequest& request) {
  const core::ProjectSnapshot& project = *call.caller().project;
  std::optional<absl::Duration> lifetime;
  if (request.has_expires_in_millis()) {
    lifetime = absl::Milliseconds(request.expires_in_millis());
  }
  std::optional<SignedIn> signed_in;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().Get(Std(project.project.id), Std(request.user_id()));
        if (user.status().code() == absl::StatusCode::kNotFound) {
          return ApiError(identity::v1::USER_ID_DOES_NOT_EXIST,
                          {{"user_id", request.user_id()}});
        }
        if (!user.ok()) return user.status();
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(context, repos, project, *user,
                                    request.is_impersonation(), lifetime));
        return absl::OkStatus();
      }));
  CreateSessionResponse response;
  response.set_access_token(std::move(signed_in->access_token));
  response.set_refresh_token(std::move(signed_in->refresh_token));
  return response;
}

}  // namespace

absl::Status RegisterSessionMethods(MethodRegistry& registry,
                                    AppContext& context,
                                    SessionMethodsOptions options) {
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<AnonymousSignUpRequest, SignInResponse>(
          "identity.v1.AuthService.AnonymousSignUp",
          [&context, admit = std::move(options.admit_anonymous_sign_up)](
              CallContext& call, const AnonymousSignUpRequest&) {
            return AnonymousSignUp(context, admit, call);
          })));
  return registry.Register<CreateSessionRequest, CreateSessionResponse>(
      "identity.v1.AuthService.CreateSession",
      [&context](CallContext& call, const CreateSessionRequest& request) {
        return CreateSession(context, call, request);
      });
}

}  // namespace latchkey::service::api
