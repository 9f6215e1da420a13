#include "service/api/oauth_sign_in.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "identity/v1/auth.pb.h"
#include "identity/v1/user.pb.h"
#include "service/api/auth_common.h"
#include "service/api/caller_rules.h"
#include "service/api/oauth_client.h"
#include "service/core/connected_accounts.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_providers.h"
#include "service/core/user_oauth_providers.h"
#include "service/errors/api_error.h"
#include "service/pipeline/service_binder.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::api {
namespace {

using identity::v1::ConnectedAccountAccessToken;
using identity::v1::CreateUserOAuthProviderRequest;
using identity::v1::DeleteUserOAuthProviderRequest;
using identity::v1::GetConnectedAccountAccessTokenForAccountRequest;
using identity::v1::GetConnectedAccountAccessTokenRequest;
using identity::v1::GetUserOAuthProviderRequest;
using identity::v1::ListConnectedAccountsRequest;
using identity::v1::ListConnectedAccountsResponse;
using identity::v1::ListUserOAuthProvidersRequest;
using identity::v1::ListUserOAuthProvidersResponse;
using identity::v1::OAuthAuthorizeRequest;
using identity::v1::OAuthCallbackRequest;
using identity::v1::RedirectResponse;
using identity::v1::SuccessResponse;
using identity::v1::UpdateUserOAuthProviderRequest;
using identity::v1::UserOAuthProvider;

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Everything the use case refers to, kept alive together.
struct OAuthParts {
  explicit OAuthParts(CurlHttpClientOptions options, const common::Clock& clock,
                      crypto::SecretBox secret_box)
      : http(std::move(options)),
        providers(http, clock),
        box(std::move(secret_box)) {}

  CurlHttpClient http;
  core::OAuthProviderClient providers;
  crypto::SecretBox box;
  std::optional<core::OAuthSignIn> sign_in;
  std::optional<core::ConnectedAccounts> connected;
  std::optional<core::UserOAuthProviders> links;
};

class OAuthMethods {
 public:
  OAuthMethods(AppContext& context,
               std::shared_ptr<const core::OAuthSignIn> sign_in)
      : context_(context), sign_in_(std::move(sign_in)) {}

  absl::StatusOr<RedirectResponse> OAuthAuthorize(
      CallContext& call, const OAuthAuthorizeRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::shared_ptr<const core::ProjectSnapshot> project,
        AuthenticateOAuthClient(context_.projects, request.client_id(),
                                request.client_secret()));
    core::OAuthSignIn::AuthorizeInput input{.project = *project};
    input.provider_id = request.provider_id();
    input.redirect_uri = request.redirect_uri();
    input.scope = request.scope();
    input.state = request.state();
    input.grant_type = request.grant_type();
    input.code_challenge = request.code_challenge();
    input.code_challenge_method = request.code_challenge_method();
    input.response_type = request.response_type();
    input.type = request.type();
    input.provider_scope = request.provider_scope();
    input.error_redirect_url = !request.error_redirect_uri().empty()
                                   ? request.error_redirect_uri()
                                   : request.error_redirect_url();
    input.after_callback_redirect_url = request.after_callback_redirect_url();
    input.json_mode = request.stack_response_mode() == "json" ||
                      request.hexclave_response_mode() == "json";
    if (!request.token().empty()) {
      core::TokenAcceptance any_user;
      any_user.allow_anonymous = true;
      any_user.allow_restricted = true;
      LATCHKEY_ASSIGN_OR_RETURN(
          identity::v1::AccessTokenClaims claims,
          context_.token_verifier.Verify(request.token(), project->project.id,
                                         any_user));
      input.token_user_id = claims.sub();
      input.token_user_is_anonymous = claims.is_anonymous();
    }
    LATCHKEY_ASSIGN_OR_RETURN(core::OAuthSignIn::AuthorizeResult result,
                              sign_in_->Authorize(input));
    RedirectResponse response;
    response.set_location(std::move(result.location));
    if (input.json_mode) {
      call.http().status = 200;
    } else if (result.set_cookie.has_value()) {
      call.http().set_cookies.push_back(*std::move(result.set_cookie));
    }
    return response;
  }

  absl::StatusOr<RedirectResponse> OAuthCallback(
      CallContext& call, const OAuthCallbackRequest& request) {
    core::OAuthSignIn::CallbackOutcome outcome =
        sign_in_->Callback({.provider_id = request.provider_id(),
                            .code = request.code(),
                            .state = request.state(),
                            .error = request.error(),
                            .error_description = request.error_description(),
                            .cookie_header = call.cookie_header(),
                            .posted_user = request.user()});
    call.http().set_cookies = std::move(outcome.set_cookies);
    if (!outcome.error.ok()) return outcome.error;
    call.http().status = outcome.http_status;
    call.http().json_body_on_redirect = true;
    RedirectResponse response;
    response.set_location(std::move(outcome.location));
    return response;
  }

 private:
  AppContext& context_;
  const std::shared_ptr<const core::OAuthSignIn> sign_in_;
};

// Connected accounts (UserService): a client acts only for its own user.
class ConnectedAccountMethods {
 public:
  explicit ConnectedAccountMethods(std::shared_ptr<const OAuthParts> parts)
      : parts_(std::move(parts)) {}

  absl::StatusOr<ConnectedAccountAccessToken> GetConnectedAccountAccessToken(
      CallContext& call, const GetConnectedAccountAccessTokenRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              UserOf(call.caller(), request.user_id()));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string token,
        parts_->connected->AccessToken({.project = *call.caller().project,
                                        .user_id = std::move(user_id),
                                        .provider_id = request.provider_id(),
                                        .scope = request.scope()}));
    ConnectedAccountAccessToken response;
    response.set_access_token(std::move(token));
    return response;
  }

  absl::StatusOr<ConnectedAccountAccessToken>
  GetConnectedAccountAccessTokenForAccount(
      CallContext& call,
      const GetConnectedAccountAccessTokenForAccountRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              UserOf(call.caller(), request.user_id()));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string token,
        parts_->connected->AccessToken(
            {.project = *call.caller().project,
             .user_id = std::move(user_id),
             .provider_id = request.provider_id(),
             .scope = request.scope(),
             .provider_account_id = request.provider_account_id()}));
    ConnectedAccountAccessToken response;
    response.set_access_token(std::move(token));
    return response;
  }

  absl::StatusOr<ListConnectedAccountsResponse> ListConnectedAccounts(
      CallContext& call, const ListConnectedAccountsRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              UserOf(call.caller(), request.user_id()));
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<core::ConnectedAccounts::Account> accounts,
        parts_->connected->List(*call.caller().project, user_id));
    ListConnectedAccountsResponse response;
    for (const core::ConnectedAccounts::Account& account : accounts) {
      identity::v1::ConnectedAccount* item = response.add_items();
      item->set_user_id(account.user_id);
      item->set_provider(account.provider_id);
      item->set_provider_account_id(account.provider_account_id);
    }
    response.set_is_paginated(false);
    return response;
  }

 private:
  static absl::StatusOr<std::string> UserOf(const Caller& caller,
                                            const std::string& requested) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              ResolveUserId(caller, requested));
    if (IsClient(caller) &&
        (!caller.user.has_value() || caller.user->sub() != user_id)) {
      return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS, {},
                      "A client can only use its own user's connected "
                      "accounts.");
    }
    return user_id;
  }

  const std::shared_ptr<const OAuthParts> parts_;
};

// A user's provider accounts (UserService, Stack's /oauth-providers): a
// client acts only on its own user; account_id is server_only in the
// contract, so clients never see it.
class UserOAuthProviderMethods {
 public:
  explicit UserOAuthProviderMethods(std::shared_ptr<const OAuthParts> parts)
      : parts_(std::move(parts)) {}

  absl::StatusOr<ListUserOAuthProvidersResponse> ListUserOAuthProviders(
      CallContext& call, const ListUserOAuthProvidersRequest& request) {
    const Caller& caller = call.caller();
    std::optional<std::string> user_id;
    if (request.has_user_id()) user_id = request.user_id();
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<core::UserOAuthProvider> links,
        parts_->links->List(*caller.project, ActorOf(caller), user_id));
    ListUserOAuthProvidersResponse response;
    for (const core::UserOAuthProvider& link : links) {
      *response.add_items() = ToProto(link);
    }
    response.set_is_paginated(false);
    return response;
  }

  absl::StatusOr<UserOAuthProvider> CreateUserOAuthProvider(
      CallContext& call, const CreateUserOAuthProviderRequest& request) {
    const Caller& caller = call.caller();
    core::UserOAuthProviders::CreateInput input;
    input.user_id = request.user_id();
    input.provider_config_id = request.provider_config_id();
    input.account_id = request.account_id();
    if (request.has_email()) input.email = request.email();
    if (request.has_allow_sign_in()) {
      input.allow_sign_in = request.allow_sign_in();
    }
    if (request.has_allow_connected_accounts()) {
      input.allow_connected_accounts = request.allow_connected_accounts();
    }
    LATCHKEY_ASSIGN_OR_RETURN(
        core::UserOAuthProvider link,
        parts_->links->Create(*caller.project, ActorOf(caller), input));
    return ToProto(link);
  }

  absl::StatusOr<UserOAuthProvider> GetUserOAuthProvider(
      CallContext& call, const GetUserOAuthProviderRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::UserOAuthProvider link,
        parts_->links->Get(*caller.project, ActorOf(caller), request.user_id(),
                           request.oauth_provider_id()));
    return ToProto(link);
  }

  absl::StatusOr<UserOAuthProvider> UpdateUserOAuthProvider(
      CallContext& call, const UpdateUserOAuthProviderRequest& request) {
    const Caller& caller = call.caller();
    core::UserOAuthProviders::Changes changes;
    if (request.has_allow_sign_in()) {
      changes.allow_sign_in = request.allow_sign_in();
    }
    if (request.has_allow_connected_accounts()) {
      changes.allow_connected_accounts = request.allow_connected_accounts();
    }
    if (request.has_email()) changes.email = request.email();
    if (request.has_account_id()) changes.account_id = request.account_id();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::UserOAuthProvider link,
        parts_->links->Update(*caller.project, ActorOf(caller),
                              request.user_id(), request.oauth_provider_id(),
                              changes));
    return ToProto(link);
  }

  absl::StatusOr<SuccessResponse> DeleteUserOAuthProvider(
      CallContext& call, const DeleteUserOAuthProviderRequest& request) {
    const Caller& caller = call.caller();
    LATCHKEY_RETURN_IF_ERROR(
        parts_->links->Delete(*caller.project, ActorOf(caller),
                              request.user_id(), request.oauth_provider_id()));
    return Success();
  }

 private:
  static core::LinkActor ActorOf(const Caller& caller) {
    core::LinkActor actor;
    actor.client = IsClient(caller);
    if (caller.user.has_value()) actor.user_id = caller.user->sub();
    return actor;
  }

  static UserOAuthProvider ToProto(const core::UserOAuthProvider& in) {
    UserOAuthProvider out;
    out.set_user_id(in.link.user_id);
    out.set_id(in.link.id);
    if (in.link.email.has_value()) out.set_email(*in.link.email);
    out.set_provider_config_id(in.link.provider_id);
    out.set_type(in.type);
    out.set_allow_sign_in(in.link.allow_sign_in);
    out.set_allow_connected_accounts(in.link.allow_connected_accounts);
    out.set_account_id(in.link.provider_account_id);
    return out;
  }

  const std::shared_ptr<const OAuthParts> parts_;
};

absl::StatusOr<std::shared_ptr<OAuthParts>> MakeParts(AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox box,
      core::OAuthClientSecretBox(context.config.server_secret,
                                 context.config.previous_server_secret));
  CurlHttpClientOptions options;
  options.allow_loopback_http =
      GetEnv("LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP") == "true";
  options.allow_private_networks =
      GetEnv("LATCHKEY_OUTBOUND_ALLOW_PRIVATE_NETWORKS") == "true";
  auto parts = std::make_shared<OAuthParts>(std::move(options), context.clock,
                                            std::move(box));
  std::vector<std::string> ids = absl::StrSplit(
      GetEnv("LATCHKEY_OAUTH_PROVIDERS").value_or("google,github,discord"), ',',
      absl::SkipWhitespace());
  for (std::string& id : ids) id = std::string(absl::StripAsciiWhitespace(id));
  parts->sign_in.emplace(core::OAuthSignInDeps{
      .services = SignInServicesOf(context),
      .projects = context.projects,
      .providers = parts->providers,
      .client_secret_box = parts->box,
      .public_url =
          std::string(absl::StripSuffix(context.config.public_url, "/")),
      .internal_providers = core::OAuthProvidersFromEnvironment(ids, GetEnv),
      .share_internal_providers =
          GetEnv("LATCHKEY_OAUTH_SHARE_WITH_PROJECTS") == "true"});
  parts->connected.emplace(
      core::ConnectedAccountsDeps{.database = context.database,
                                  .clock = context.clock,
                                  .sign_in = *parts->sign_in,
                                  .providers = parts->providers,
                                  .token_box = parts->box});
  const core::OAuthSignIn* flow = &*parts->sign_in;
  parts->links.emplace(core::UserOAuthProvidersDeps{
      .database = context.database,
      .clock = context.clock,
      .provider_type = [flow](const core::ProjectSnapshot& project,
                              const std::string& provider_id) {
        return flow->ConfiguredProviderType(project, provider_id);
      }});
  return parts;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const core::OAuthSignIn>> MakeOAuthSignIn(
    AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<OAuthParts> parts,
                            MakeParts(context));
  const core::OAuthSignIn* sign_in = &*parts->sign_in;
  return std::shared_ptr<const core::OAuthSignIn>(std::move(parts), sign_in);
}

absl::Status RegisterOAuthSignInMethods(MethodRegistry& registry,
                                        AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<OAuthParts> parts,
                            MakeParts(context));
  const core::OAuthSignIn* flow = &*parts->sign_in;
  std::shared_ptr<const core::OAuthSignIn> sign_in(parts, flow);
  ServiceBinder<OAuthMethods> bind(
      registry, "identity.v1.AuthService",
      std::make_shared<OAuthMethods>(context, std::move(sign_in)));
  bind("OAuthAuthorize", &OAuthMethods::OAuthAuthorize);
  bind("OAuthCallback", &OAuthMethods::OAuthCallback);
  LATCHKEY_RETURN_IF_ERROR(bind.status());
  using Connected = ConnectedAccountMethods;
  ServiceBinder<Connected> connected(registry, "identity.v1.UserService",
                                     std::make_shared<Connected>(parts));
  connected("GetConnectedAccountAccessToken",
            &Connected::GetConnectedAccountAccessToken);
  connected("GetConnectedAccountAccessTokenForAccount",
            &Connected::GetConnectedAccountAccessTokenForAccount);
  connected("ListConnectedAccounts", &Connected::ListConnectedAccounts);
  LATCHKEY_RETURN_IF_ERROR(connected.status());
  using Links = UserOAuthProviderMethods;
  ServiceBinder<Links> links(registry, "identity.v1.UserService",
                             std::make_shared<Links>(std::move(parts)));
  links("ListUserOAuthProviders", &Links::ListUserOAuthProviders);
  links("CreateUserOAuthProvider", &Links::CreateUserOAuthProvider);
  links("GetUserOAuthProvider", &Links::GetUserOAuthProvider);
  links("UpdateUserOAuthProvider", &Links::UpdateUserOAuthProvider);
  links("DeleteUserOAuthProvider", &Links::DeleteUserOAuthProvider);
  return links.status();
}

}  // namespace latchkey::service::api
