#include "service/api/project_keys.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "identity/v1/project.pb.h"
#include "service/api/protos.h"
#include "service/core/oauth_client_secrets.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::ApiKeySet;
using identity::v1::CreateApiKeySetRequest;
using identity::v1::CreatedApiKeySet;
using identity::v1::DeleteOAuthProviderRequest;
using identity::v1::GetApiKeySetRequest;
using identity::v1::ListApiKeySetsRequest;
using identity::v1::ListApiKeySetsResponse;
using identity::v1::ListOAuthProvidersRequest;
using identity::v1::ListOAuthProvidersResponse;
using identity::v1::OAuthProvider;
using identity::v1::SuccessResponse;
using identity::v1::UpdateApiKeySetRequest;
using identity::v1::UpsertOAuthProviderRequest;

// ---- API key sets ----------------------------------------------------------

ApiKeySet ApiKeySetToProto(const storage::ApiKeySetRecord& set) {
  ApiKeySet out;
  out.set_id(set.id);
  out.set_description(set.description);
  out.set_expires_at_millis(Millis(set.expires_at));
  out.set_created_at_millis(Millis(set.created_at));
  if (set.revoked_at.has_value()) {
    out.set_manually_revoked_at_millis(Millis(*set.revoked_at));
  }
  if (set.publishable_client_key.has_value()) {
    out.mutable_publishable_client_key()->set_last_four(
        set.publishable_client_key->last_four);
  }
  if (set.secret_server_key.has_value()) {
    out.mutable_secret_server_key()->set_last_four(
        set.secret_server_key->last_four);
  }
  if (set.super_secret_admin_key.has_value()) {
    out.mutable_super_secret_admin_key()->set_last_four(
        set.super_secret_admin_key->last_four);
  }
  return out;
}

// A new key with its stored form; the key itself exists only in the answer.
absl::StatusOr<std::string> NewKey(
    absl::string_view prefix, std::optional<storage::StoredApiKey>& stored) {
  LATCHKEY_ASSIGN_OR_RETURN(std::string body, crypto::RandomToken());
  std::string key = absl::StrCat(prefix, body);
  stored =
      storage::StoredApiKey{crypto::HashToken(key), key.substr(key.size() - 4)};
  return key;
}

absl::Status ApiKeyNotFound(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::API_KEY_NOT_FOUND);
  }
  return status;
}

absl::StatusOr<CreatedApiKeySet> CreateApiKeySet(
    AppContext& context, CallContext& call,
    const CreateApiKeySetRequest& request) {
  const absl::Time now = context.clock.Now();
  if (request.expires_at_millis() <= Millis(now)) {
    return SchemaError("body.expires_at_millis must be in the future");
  }
  if (!request.has_publishable_client_key() &&
      !request.has_secret_server_key() &&
      !request.has_super_secret_admin_key()) {
    return SchemaError(
        "at least one of body.has_publishable_client_key, "
        "body.has_secret_server_key and body.has_super_secret_admin_key must "
        "be true");
  }
  storage::ApiKeySetRecord set;
  LATCHKEY_ASSIGN_OR_RETURN(set.id, crypto::RandomUuidV4());
  set.project_id = call.caller().project_id;
  set.description = request.description();
  set.created_at = now;
  set.expires_at = absl::FromUnixMillis(request.expires_at_millis());
  CreatedApiKeySet out;
  if (request.has_publishable_client_key()) {
    LATCHKEY_ASSIGN_OR_RETURN(*out.mutable_publishable_client_key(),
                              NewKey("pck_", set.publishable_client_key));
  }
  if (request.has_secret_server_key()) {
    LATCHKEY_ASSIGN_OR_RETURN(*out.mutable_secret_server_key(),
                              NewKey("ssk_", set.secret_server_key));
  }
  if (request.has_super_secret_admin_key()) {
    LATCHKEY_ASSIGN_OR_RETURN(*out.mutable_super_secret_admin_key(),
                              NewKey("sak_", set.super_secret_admin_key));
  }
  LATCHKEY_RETURN_IF_ERROR(
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        return repos.api_keys().Create(set);
      }));
  out.set_id(set.id);
  out.set_description(set.description);
  out.set_expires_at_millis(request.expires_at_millis());
  out.set_created_at_millis(Millis(set.created_at));
  return out;
}

absl::StatusOr<ListApiKeySetsResponse> ListApiKeySets(AppContext& context,
                                                      CallContext& call) {
  std::vector<storage::ApiKeySetRecord> sets;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            sets, repos.api_keys().List(call.caller().project_id));
        return absl::OkStatus();
      }));
  ListApiKeySetsResponse out;
  out.set_is_paginated(false);
  // Newest first, as Stack lists them.
  for (auto it = sets.rbegin(); it != sets.rend(); ++it) {
    *out.add_items() = ApiKeySetToProto(*it);
  }
  return out;
}

absl::StatusOr<ApiKeySet> GetApiKeySet(AppContext& context, CallContext& call,
                                       const GetApiKeySetRequest& request) {
  absl::StatusOr<storage::ApiKeySetRecord> set;
  absl::Status status = context.database.Run([&](storage::Repositories& repos) {
    set = repos.api_keys().Get(call.caller().project_id,
                               request.api_key_set_id());
    return set.status();
  });
  if (!status.ok()) return ApiKeyNotFound(status);
  return ApiKeySetToProto(*set);
}

absl::StatusOr<ApiKeySet> UpdateApiKeySet(
    AppContext& context, CallContext& call,
    const UpdateApiKeySetRequest& request) {
  if (request.has_revoked() && !request.revoked()) {
    return SchemaError(
        "body.revoked can only be true: revoking a key set cannot be undone");
  }
  const std::string& project_id = call.caller().project_id;
  storage::ApiKeySetRecord updated;
  absl::Status status = context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.api_keys()
                                     .Get(project_id, request.api_key_set_id())
                                     .status());
        if (request.has_description()) {
          LATCHKEY_RETURN_IF_ERROR(repos.api_keys().UpdateDescription(
              project_id, request.api_key_set_id(), request.description()));
        }
        if (request.has_revoked()) {
          // Revoking twice keeps the first time.
          LATCHKEY_RETURN_IF_ERROR(repos.api_keys().Revoke(
              project_id, request.api_key_set_id(), context.clock.Now()));
        }
        LATCHKEY_ASSIGN_OR_RETURN(
            updated,
            repos.api_keys().Get(project_id, request.api_key_set_id()));
        return absl::OkStatus();
      });
  if (!status.ok()) return ApiKeyNotFound(status);
  return ApiKeySetToProto(updated);
}

// ---- OAuth providers -------------------------------------------------------

OAuthProvider ProviderToProto(const storage::OAuthProviderRecord& record) {
  OAuthProvider out;
  out.set_id(record.provider_id);
  out.set_type(record.type);
  out.set_client_id(record.client_id);
  out.set_has_client_secret(record.client_secret_encrypted.has_value());
  if (record.issuer_url.has_value()) out.set_issuer_url(*record.issuer_url);
  for (const std::string& scope : record.scopes) out.add_scopes(scope);
  out.set_enabled(record.enabled);
  return out;
}

bool IsProviderId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!absl::ascii_islower(id[0]) && !absl::ascii_isdigit(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
           c == '-';
  });
}

// https, or http on a loopback host (local OIDC providers in development).
bool IsIssuerUrl(absl::string_view url) {
  absl::string_view rest;
  if (absl::StartsWith(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    rest = url.substr(7);
    const absl::string_view host = rest.substr(0, rest.find_first_of(":/"));
    if (host != "localhost" && host != "127.0.0.1" &&
        !absl::StartsWith(rest, "[::1]")) {
      return false;
    }
  } else {
    return false;
  }
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    return absl::ascii_isspace(c) || absl::ascii_iscntrl(c) || c == '#' ||
           c == '?' || c == '@';
  });
}

absl::Status ValidateProvider(const UpsertOAuthProviderRequest& request) {
  if (!IsProviderId(request.provider_id())) {
    return SchemaError(
        "params.provider_id must be 1 to 64 lower-case letters, digits, '_' "
        "or '-', starting with a letter or digit");
  }
  static constexpr absl::string_view kTypes[] = {"google", "github",
                                                 "microsoft", "oidc"};
  if (std::find(std::begin(kTypes), std::end(kTypes), request.type()) ==
      std::end(kTypes)) {
    return SchemaError(
        "body.type must be one of google, github, microsoft, oidc");
  }
  if (request.client_id().empty()) {
    return SchemaError("body.client_id must not be empty");
  }
  if (request.has_client_secret() && request.client_secret().empty()) {
    return SchemaError("body.client_secret must not be empty");
  }
  if (request.type() == "oidc" && !request.has_issuer_url()) {
    return SchemaError("body.issuer_url is required for type oidc");
  }
  if (request.has_issuer_url() && !IsIssuerUrl(request.issuer_url())) {
    return SchemaError(
        "body.issuer_url must be an https URL (http only on a loopback "
        "host), without query, fragment or user info");
  }
  for (const std::string& scope : request.scopes()) {
    if (scope.empty() || std::any_of(scope.begin(), scope.end(), [](char c) {
          return absl::ascii_isspace(c) || absl::ascii_iscntrl(c);
        })) {
      return SchemaError("body.scopes must be non-empty words without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OAuthProvider> UpsertOAuthProvider(
    AppContext& context, const crypto::SecretBox& box, CallContext& call,
    const UpsertOAuthProviderRequest& request) {
  LATCHKEY_RETURN_IF_ERROR(ValidateProvider(request));
  const std::string& project_id = call.caller().project_id;
  storage::OAuthProviderRecord record;
  record.project_id = project_id;
  record.provider_id = request.provider_id();
  record.type = request.type();
  record.client_id = request.client_id();
  if (request.has_client_secret()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        record.client_secret_encrypted,
        core::SealOAuthClientSecret(box, project_id, request.provider_id(),
                                    request.client_secret()));
  }
  if (request.has_issuer_url()) record.issuer_url = request.issuer_url();
  record.scopes.assign(request.scopes().begin(), request.scopes().end());
  record.enabled = request.enabled();
  record.created_at = record.updated_at = context.clock.Now();
  storage::OAuthProviderRecord stored;
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.oauth_providers().Upsert(record));
        LATCHKEY_ASSIGN_OR_RETURN(
            stored,
            repos.oauth_providers().Get(project_id, request.provider_id()));
        return absl::OkStatus();
      }));
  context.projects.Invalidate(project_id);
  return ProviderToProto(stored);
}

absl::StatusOr<ListOAuthProvidersResponse> ListOAuthProviders(
    AppContext& context, CallContext& call) {
  std::vector<storage::OAuthProviderRecord> providers;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            providers, repos.oauth_providers().List(call.caller().project_id));
        return absl::OkStatus();
      }));
  ListOAuthProvidersResponse out;
  out.set_is_paginated(false);
  for (const storage::OAuthProviderRecord& provider : providers) {
    *out.add_items() = ProviderToProto(provider);
  }
  return out;
}

absl::StatusOr<SuccessResponse> DeleteOAuthProvider(
    AppContext& context, CallContext& call,
    const DeleteOAuthProviderRequest& request) {
  const std::string& project_id = call.caller().project_id;
  absl::Status status =
      context.database.RunInTransaction([&](storage::Repositories& repos) {
        return repos.oauth_providers().Delete(project_id,
                                              request.provider_id());
      });
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED);
  }
  LATCHKEY_RETURN_IF_ERROR(status);
  context.projects.Invalidate(project_id);
  SuccessResponse out;
  out.set_success(true);
  return out;
}

}  // namespace

absl::Status RegisterProjectKeyMethods(MethodRegistry& registry,
                                       AppContext& context) {
  constexpr char kService[] = "identity.v1.ProjectService.";
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox opened_box,
      core::OAuthClientSecretBox(context.config.server_secret,
                                 context.config.previous_server_secret));
  auto box = std::make_shared<const crypto::SecretBox>(std::move(opened_box));
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<CreateApiKeySetRequest, CreatedApiKeySet>(
          absl::StrCat(kService, "CreateApiKeySet"),
          [ctx](CallContext& call, const CreateApiKeySetRequest& request) {
            return CreateApiKeySet(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<ListApiKeySetsRequest, ListApiKeySetsResponse>(
          absl::StrCat(kService, "ListApiKeySets"),
          [ctx](CallContext& call, const ListApiKeySetsRequest&) {
            return ListApiKeySets(*ctx, call);
          })));
  LATCHKEY_RETURN_IF_ERROR((registry.Register<GetApiKeySetRequest, ApiKeySet>(
      absl::StrCat(kService, "GetApiKeySet"),
      [ctx](CallContext& call, const GetApiKeySetRequest& request) {
        return GetApiKeySet(*ctx, call, request);
      })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<UpdateApiKeySetRequest, ApiKeySet>(
          absl::StrCat(kService, "UpdateApiKeySet"),
          [ctx](CallContext& call, const UpdateApiKeySetRequest& request) {
            return UpdateApiKeySet(*ctx, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<ListOAuthProvidersRequest, ListOAuthProvidersResponse>(
          absl::StrCat(kService, "ListOAuthProviders"),
          [ctx](CallContext& call, const ListOAuthProvidersRequest&) {
            return ListOAuthProviders(*ctx, call);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<UpsertOAuthProviderRequest, OAuthProvider>(
          absl::StrCat(kService, "UpsertOAuthProvider"),
          [ctx, box](CallContext& call,
                     const UpsertOAuthProviderRequest& request) {
            return UpsertOAuthProvider(*ctx, *box, call, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<DeleteOAuthProviderRequest, SuccessResponse>(
          absl::StrCat(kService, "DeleteOAuthProvider"),
          [ctx](CallContext& call, const DeleteOAuthProviderRequest& request) {
            return DeleteOAuthProvider(*ctx, call, request);
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
