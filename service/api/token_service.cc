#include "service/api/token_service.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/jwks.h"
#include "identity/v1/token.pb.h"
#include "nlohmann/json.hpp"
#include "service/api/auth_common.h"
#include "service/api/oauth_client.h"
#include "service/api/oauth_sign_in.h"
#include "service/core/access_tokens.h"
#include "service/core/refresh_session.h"
#include "service/core/user_sessions.h"
#include "service/errors/api_error.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

using common::Std;

using identity::v1::CreateWebSocketTokenRequest;
using identity::v1::CreateWebSocketTokenResponse;
using identity::v1::GetAnonymousUsersJwksRequest;
using identity::v1::GetJwksRequest;
using identity::v1::IntrospectTokenRequest;
using identity::v1::IntrospectTokenResponse;
using identity::v1::Jwks;
using identity::v1::ListSigningKeysRequest;
using identity::v1::ListSigningKeysResponse;
using identity::v1::OAuthTokenRequest;
using identity::v1::OAuthTokenResponse;
using identity::v1::RedirectResponse;
using identity::v1::RefreshAccessTokenRequest;
using identity::v1::RefreshAccessTokenResponse;
using identity::v1::RevokeRefreshTokenRequest;
using identity::v1::SuccessResponse;
using identity::v1::ValidateAccessTokenRequest;
using identity::v1::ValidateAccessTokenResponse;

constexpr absl::Duration kWebSocketTokenLifetime = absl::Seconds(60);

// Whether an OAuth `scope` asks for nothing beyond what every token grants.
bool ScopeIsGranted(absl::string_view scope) {
  for (absl::string_view item : absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    if (item != kOAuthScope) return false;
  }
  return true;
}

// NOT_FOUND from the directory becomes PROJECT_NOT_FOUND {project_id}.
absl::Status CheckProjectExists(AppContext& context,
                                absl::string_view project_id) {
  absl::Status status = context.projects.Get(project_id).status();
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::PROJECT_NOT_FOUND,
                    {{"project_id", std::string(project_id)}});
  }
  return status;
}

// The RPCs, one member function each; shared by the registered handlers
// and alive as long as the longest-lived of them. Stateless beyond the
// context: thread-safe.
class TokenMethods {
 public:
  TokenMethods(AppContext& context,
               std::shared_ptr<const core::OAuthSignIn> oauth_sign_in)
      : context_(context),
        oauth_sign_in_(std::move(oauth_sign_in)),
        sessions_(SignInServicesOf(context)),
        refresh_(context.database, context.sessions, context.rate_limiter,
                 context.token_issuer) {}

  absl::StatusOr<OAuthTokenResponse> OAuthToken(
      CallContext& call, const OAuthTokenRequest& request);
  // grant_type=authorization_code: the code of an OAuth sign-in.
  absl::StatusOr<OAuthTokenResponse> AuthorizationCodeGrant(
      const core::ProjectSnapshot& project, const OAuthTokenRequest& request);
  absl::StatusOr<RefreshAccessTokenResponse> RefreshAccessToken(
      CallContext& call, const RefreshAccessTokenRequest& request);
  absl::StatusOr<SuccessResponse> RevokeRefreshToken(
      CallContext& call, const RevokeRefreshTokenRequest& request);
  absl::StatusOr<ValidateAccessTokenResponse> ValidateAccessToken(
      CallContext& call, const ValidateAccessTokenRequest& request);
  absl::StatusOr<IntrospectTokenResponse> IntrospectToken(
      CallContext& call, const IntrospectTokenRequest& request);
  absl::StatusOr<Jwks> GetJwks(CallContext& call,
                               const GetJwksRequest& request);
  absl::StatusOr<RedirectResponse> GetAnonymousUsersJwks(
      CallContext& call, const GetAnonymousUsersJwksRequest& request);
  absl::StatusOr<CreateWebSocketTokenResponse> CreateWebSocketToken(
      CallContext& call, const CreateWebSocketTokenRequest& request);
  absl::StatusOr<ListSigningKeysResponse> ListSigningKeys(
      CallContext& call, const ListSigningKeysRequest& request);

 private:
  AppContext& context_;
  const std::shared_ptr<const core::OAuthSignIn> oauth_sign_in_;
  const core::UserSessions sessions_;
  const core::RefreshSession refresh_;
};

absl::StatusOr<OAuthTokenResponse> TokenMethods::OAuthToken(
    CallContext&, const OAuthTokenRequest& request) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::shared_ptr<const core::ProjectSnapshot> project,
      AuthenticateOAuthClient(context_.projects, request.client_id(),
                              request.client_secret()));
  if (request.grant_type() == "authorization_code") {
    return AuthorizationCodeGrant(*project, request);
  }
  if (request.grant_type() != "refresh_token") {
    return ApiError(identity::v1::UNSUPPORTED_GRANT_TYPE,
                    {{"grant_type", request.grant_type()}},
                    "grant_type must be refresh_token or authorization_code.");
  }
  if (request.refresh_token().empty()) {
    return SchemaError(
        "refresh_token is required with grant_type=refresh_token.");
  }
  if (!ScopeIsGranted(request.scope())) {
    return SchemaError(
        "scope may only be \"legacy\" (the one scope granted), or be left "
        "out.");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      core::RefreshOutput refreshed,
      refresh_.Run({.project_id = project->project.id,
                    .config = &project->config,
                    .refresh_token = request.refresh_token(),
                    .can_rotate = true}));
  OAuthTokenResponse response;
  response.set_access_token(std::move(refreshed.access_token));
  response.set_token_type("Bearer");
  response.set_expires_in(project->config.access_token_lifetime_seconds());
  response.set_scope(std::string(kOAuthScope));
  if (refreshed.next_refresh_token.has_value()) {
    response.set_refresh_token(*std::move(refreshed.next_refresh_token));
  }
  return response;
}

absl::StatusOr<OAuthTokenResponse> TokenMethods::AuthorizationCodeGrant(
    const core::ProjectSnapshot& project, const OAuthTokenRequest& request) {
  LATCHKEY_ASSIGN_OR_RETURN(
      core::OAuthSignIn::ExchangeResult result,
      oauth_sign_in_->Exchange({.project = project,
                                .code = request.code(),
                                .redirect_uri = request.redirect_uri(),
                                .code_verifier = request.code_verifier()}));
  OAuthTokenResponse response;
  response.set_access_token(std::move(result.signed_in.access_token));
  response.set_token_type("Bearer");
  response.set_expires_in(project.config.access_token_lifetime_seconds());
  response.set_scope(std::string(kOAuthScope));
  response.set_refresh_token(std::move(result.signed_in.refresh_token));
  // Both spellings: Stack's and the one its SDK reads.
  response.set_is_new_user(result.new_user);
  response.set_new_user_camel(result.new_user);
  google::protobuf::Value after;
  if (result.after_callback_redirect_url.has_value()) {
    after.set_string_value(*result.after_callback_redirect_url);
  } else {
    after.set_null_value(google::protobuf::NULL_VALUE);
  }
  *response.mutable_after_callback_redirect_url() = after;
  *response.mutable_after_callback_redirect_url_camel() = std::move(after);
  return response;
}

absl::StatusOr<RefreshAccessTokenResponse> TokenMethods::RefreshAccessToken(
    CallContext& call, const RefreshAccessTokenRequest& request) {
  absl::string_view token;
  if (request.has_refresh_token()) {
    token = request.refresh_token();
  } else if (std::optional<absl::string_view> header =
                 call.metadata().Get(RequestMetadata::kRefreshToken);
             header.has_value()) {
    token = *header;
  }
  const core::ProjectSnapshot& project = *call.caller().project;
  // See token_service.h: this route cannot hand out a next token.
  LATCHKEY_ASSIGN_OR_RETURN(core::RefreshOutput refreshed,
                            refresh_.Run({.project_id = project.project.id,
                                          .config = &project.config,
                                          .refresh_token = token,
                                          .can_rotate = false}));
  RefreshAccessTokenResponse response;
  response.set_access_token(std::move(refreshed.access_token));
  return response;
}

absl::StatusOr<SuccessResponse> TokenMethods::RevokeRefreshToken(
    CallContext&, const RevokeRefreshTokenRequest& request) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::shared_ptr<const core::ProjectSnapshot> project,
      AuthenticateOAuthClient(context_.projects, request.client_id(),
                              request.client_secret()));
  // RFC 7009 2.2: an unknown token (nothing to revoke) is no error.
  LATCHKEY_RETURN_IF_ERROR(
      refresh_.Revoke(project->project.id, request.token()));
  SuccessResponse success;
  success.set_success(true);
  return success;
}

absl::StatusOr<ValidateAccessTokenResponse> TokenMethods::ValidateAccessToken(
    CallContext& call, const ValidateAccessTokenRequest& request) {
  core::TokenAcceptance acceptance;
  acceptance.allow_anonymous = request.allow_anonymous();
  acceptance.allow_restricted = request.allow_restricted();
  LATCHKEY_ASSIGN_OR_RETURN(
      identity::v1::AccessTokenClaims claims,
      context_.token_verifier.Verify(request.access_token(),
                                     call.caller().project_id, acceptance));
  ValidateAccessTokenResponse response;
  *response.mutable_claims() = std::move(claims);
  return response;
}

absl::StatusOr<IntrospectTokenResponse> TokenMethods::IntrospectToken(
    CallContext& call, const IntrospectTokenRequest& request) {
  core::TokenAcceptance every_user;
  every_user.allow_anonymous = true;
  every_user.allow_restricted = true;
  absl::StatusOr<identity::v1::AccessTokenClaims> claims =
      context_.token_verifier.Verify(request.token(), call.caller().project_id,
                                     every_user);
  IntrospectTokenResponse response;
  if (!claims.ok()) {
    // A refused token is an answer (inactive); a verifier that could not
    // decide (crypto failure) is not.
    if (!ReadApiError(claims.status()).has_value()) return claims.status();
    response.set_active(false);
    return response;
  }
  response.set_active(true);
  response.set_sub(claims->sub());
  response.set_exp(claims->exp());
  response.set_iat(claims->iat());
  response.set_aud(claims->aud());
  response.set_iss(claims->iss());
  response.set_scope(std::string(kOAuthScope));
  response.set_client_id(claims->project_id());
  response.set_token_type("Bearer");
  return response;
}

absl::StatusOr<Jwks> TokenMethods::GetJwks(CallContext&,
                                           const GetJwksRequest& request) {
  // Existence first: keys are derived per audience, and an unknown id must
  // not cost a derivation (or a cache slot).
  LATCHKEY_RETURN_IF_ERROR(CheckProjectExists(context_, request.project_id()));
  const crypto::JwksInclude include = {
      .restricted = request.include_restricted(),
      .anonymous = request.include_anonymous()};
  Jwks jwks;
  for (const std::string& audience :
       crypto::JwksAudiences(Std(request.project_id()), include)) {
    LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::AudienceKeys> keys,
                              context_.keys.KeysFor(audience));
    for (const auto& key : keys->keys) {
      const nlohmann::ordered_json jwk = crypto::PublicJwk(*key);
      identity::v1::Jwk* out = jwks.add_keys();
      out->set_kty(jwk["kty"].get<std::string>());
      out->set_crv(jwk["crv"].get<std::string>());
      out->set_alg(jwk["alg"].get<std::string>());
      out->set_kid(jwk["kid"].get<std::string>());
      out->set_x(jwk["x"].get<std::string>());
      out->set_y(jwk["y"].get<std::string>());
    }
  }
  return jwks;
}

absl::StatusOr<RedirectResponse> TokenMethods::GetAnonymousUsersJwks(
    CallContext&, const GetAnonymousUsersJwksRequest& request) {
  LATCHKEY_RETURN_IF_ERROR(CheckProjectExists(context_, request.project_id()));
  // The id is a known project's (a UUID or "internal"): safe in a URL.
  RedirectResponse redirect;
  redirect.set_location(absl::StrCat(
      context_.token_issuer.public_url(), "/api/v1/projects/",
      request.project_id(), "/.well-known/jwks.json?include_anonymous=true"));
  return redirect;
}

absl::StatusOr<CreateWebSocketTokenResponse> TokenMethods::CreateWebSocketToken(
    CallContext& call, const CreateWebSocketTokenRequest&) {
  const Caller& caller = call.caller();
  // USER_REQUIREMENT_REQUIRED: authentication guarantees a user.
  const identity::v1::AccessTokenClaims& user = *caller.user;
  LATCHKEY_ASSIGN_OR_RETURN(
      core::IssuedToken issued,
      sessions_.IssueWebSocketToken(caller.project_id, user.sub(),
                                    user.refresh_token_id(),
                                    kWebSocketTokenLifetime));
  CreateWebSocketTokenResponse response;
  response.set_token(std::move(issued.token));
  response.set_expires_at_millis(absl::ToUnixMillis(issued.expires_at));
  return response;
}

absl::StatusOr<ListSigningKeysResponse> TokenMethods::ListSigningKeys(
    CallContext& call, const ListSigningKeysRequest&) {
  ListSigningKeysResponse response;
  for (const std::string& audience :
       crypto::JwksAudiences(Std(call.caller().project_id),
                             {.restricted = true, .anonymous = true})) {
    LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::AudienceKeys> keys,
                              context_.keys.KeysFor(audience));
    for (const auto& key : keys->keys) {
      identity::v1::SigningKeyInfo* info = response.add_items();
      info->set_kid(key->kid());
      info->set_audience(key->audience());
      info->set_scheme(static_cast<int32_t>(key->scheme()));
      info->set_generation(
          key->generation() == crypto::SecretGeneration::kCurrent ? "current"
                                                                  : "previous");
    }
  }
  response.set_is_paginated(false);
  return response;
}

}  // namespace

absl::Status RegisterTokenService(MethodRegistry& registry,
                                  AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const core::OAuthSignIn> oauth,
                            MakeOAuthSignIn(context));
  ServiceBinder<TokenMethods> bind(
      registry, "identity.v1.TokenService",
      std::make_shared<TokenMethods>(context, std::move(oauth)));
  bind("OAuthToken", &TokenMethods::OAuthToken);
  bind("RefreshAccessToken", &TokenMethods::RefreshAccessToken);
  bind("RevokeRefreshToken", &TokenMethods::RevokeRefreshToken);
  // Token checks and the key set need only memory and CPU once the token
  // cache, the caller's key and the project are warm: a mesh calls them
  // per request, so they skip the hand-off to a worker when they can.
  bind("ValidateAccessToken", &TokenMethods::ValidateAccessToken,
       Execution::kInlineFirst);
  bind("IntrospectToken", &TokenMethods::IntrospectToken,
       Execution::kInlineFirst);
  bind("GetJwks", &TokenMethods::GetJwks, Execution::kInlineFirst);
  bind("GetAnonymousUsersJwks", &TokenMethods::GetAnonymousUsersJwks);
  bind("CreateWebSocketToken", &TokenMethods::CreateWebSocketToken);
  bind("ListSigningKeys", &TokenMethods::ListSigningKeys);
  return bind.status();
}

}  // namespace latchkey::service::api
