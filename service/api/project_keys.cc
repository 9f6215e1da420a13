#include "service/api/project_keys.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "identity/v1/project.pb.h"
#include "service/api/protos.h"
#include "service/core/api_key_sets.h"
#include "service/core/oauth_client_secrets.h"
#include "service/core/oauth_provider_settings.h"
#include "service/pipeline/service_binder.h"

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

OAuthProvider ProviderToProto(const storage::OAuthProviderRecord& record) {
  OAuthProvider out;
  out.set_id(record.provider_id);
  out.set_type(record.type);
  out.set_client_id(record.client_id);
  out.set_has_client_secret(record.client_secret_encrypted.has_value());
  if (record.issuer_url.has_value()) out.set_issuer_url(*record.issuer_url);
  for (const std::string& scope : record.scopes) out.add_scopes(scope);
  out.set_enabled(record.enabled);
  out.set_allow_sign_in(record.allow_sign_in);
  out.set_allow_connected_accounts(record.allow_connected_accounts);
  if (record.microsoft_tenant_id.has_value()) {
    out.set_microsoft_tenant_id(*record.microsoft_tenant_id);
  }
  if (record.facebook_config_id.has_value()) {
    out.set_facebook_config_id(*record.facebook_config_id);
  }
  out.set_is_shared(record.is_shared);
  return out;
}

// The ProjectService RPCs on credentials: API key sets (core::ApiKeySets)
// and OAuth provider settings (core::OAuthProviderSettings).
class ProjectKeyMethods {
 public:
  ProjectKeyMethods(AppContext& context, crypto::SecretBox client_secret_box)
      : key_sets_(context.projects, context.clock),
        providers_(context.database, context.projects, context.clock,
                   std::move(client_secret_box)) {}

  absl::StatusOr<CreatedApiKeySet> CreateApiKeySet(
      CallContext& call, const CreateApiKeySetRequest& request) {
    core::NewApiKeySetInput input;
    input.project_id = call.caller().project_id;
    input.description = request.description();
    input.expires_at = absl::FromUnixMillis(request.expires_at_millis());
    input.publishable_client_key = request.has_publishable_client_key();
    input.secret_server_key = request.has_secret_server_key();
    input.super_secret_admin_key = request.has_super_secret_admin_key();
    LATCHKEY_ASSIGN_OR_RETURN(core::CreatedApiKeys created,
                              key_sets_.Create(input));
    CreatedApiKeySet out;
    if (created.publishable_client_key.has_value()) {
      out.set_publishable_client_key(*created.publishable_client_key);
    }
    if (created.secret_server_key.has_value()) {
      out.set_secret_server_key(*created.secret_server_key);
    }
    if (created.super_secret_admin_key.has_value()) {
      out.set_super_secret_admin_key(*created.super_secret_admin_key);
    }
    out.set_id(created.set.id);
    out.set_description(created.set.description);
    out.set_expires_at_millis(Millis(created.set.expires_at));
    out.set_created_at_millis(Millis(created.set.created_at));
    return out;
  }

  absl::StatusOr<ListApiKeySetsResponse> ListApiKeySets(
      CallContext& call, const ListApiKeySetsRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::ApiKeySetRecord> sets,
                              key_sets_.List(call.caller().project_id));
    ListApiKeySetsResponse out;
    out.set_is_paginated(false);
    for (const storage::ApiKeySetRecord& set : sets) {
      *out.add_items() = ApiKeySetToProto(set);
    }
    return out;
  }

  absl::StatusOr<ApiKeySet> GetApiKeySet(CallContext& call,
                                         const GetApiKeySetRequest& request) {
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::ApiKeySetRecord set,
        key_sets_.Get(call.caller().project_id, request.api_key_set_id()));
    return ApiKeySetToProto(set);
  }

  absl::StatusOr<ApiKeySet> UpdateApiKeySet(
      CallContext& call, const UpdateApiKeySetRequest& request) {
    core::ApiKeySetChanges changes;
    if (request.has_description()) changes.description = request.description();
    if (request.has_revoked()) changes.revoked = request.revoked();
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::ApiKeySetRecord set,
        key_sets_.Update(call.caller().project_id, request.api_key_set_id(),
                         changes));
    return ApiKeySetToProto(set);
  }

  absl::StatusOr<ListOAuthProvidersResponse> ListOAuthProviders(
      CallContext& call, const ListOAuthProvidersRequest&) {
    LATCHKEY_ASSIGN_OR_RETURN(std::vector<storage::OAuthProviderRecord> list,
                              providers_.List(call.caller().project_id));
    ListOAuthProvidersResponse out;
    out.set_is_paginated(false);
    for (const storage::OAuthProviderRecord& provider : list) {
      *out.add_items() = ProviderToProto(provider);
    }
    return out;
  }

  absl::StatusOr<OAuthProvider> UpsertOAuthProvider(
      CallContext& call, const UpsertOAuthProviderRequest& request) {
    core::OAuthProviderInput input;
    input.provider_id = request.provider_id();
    input.type = request.type();
    input.client_id = request.client_id();
    if (request.has_client_secret()) {
      input.client_secret = request.client_secret();
    }
    if (request.has_issuer_url()) input.issuer_url = request.issuer_url();
    input.scopes.assign(request.scopes().begin(), request.scopes().end());
    input.enabled = request.enabled();
    if (request.has_allow_sign_in()) {
      input.allow_sign_in = request.allow_sign_in();
    }
    if (request.has_allow_connected_accounts()) {
      input.allow_connected_accounts = request.allow_connected_accounts();
    }
    if (request.has_microsoft_tenant_id()) {
      input.microsoft_tenant_id = request.microsoft_tenant_id();
    }
    if (request.has_facebook_config_id()) {
      input.facebook_config_id = request.facebook_config_id();
    }
    input.is_shared = request.is_shared();
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::OAuthProviderRecord stored,
        providers_.Upsert(call.caller().project_id, input));
    return ProviderToProto(stored);
  }

  absl::StatusOr<SuccessResponse> DeleteOAuthProvider(
      CallContext& call, const DeleteOAuthProviderRequest& request) {
    LATCHKEY_RETURN_IF_ERROR(
        providers_.Delete(call.caller().project_id, request.provider_id()));
    SuccessResponse out;
    out.set_success(true);
    return out;
  }

 private:
  const core::ApiKeySets key_sets_;
  const core::OAuthProviderSettings providers_;
};

}  // namespace

absl::Status RegisterProjectKeyMethods(MethodRegistry& registry,
                                       AppContext& context) {
  LATCHKEY_ASSIGN_OR_RETURN(
      crypto::SecretBox box,
      core::OAuthClientSecretBox(context.config.server_secret,
                                 context.config.previous_server_secret));
  ServiceBinder<ProjectKeyMethods> bind(
      registry, "identity.v1.ProjectService",
      std::make_shared<ProjectKeyMethods>(context, std::move(box)));
  bind("CreateApiKeySet", &ProjectKeyMethods::CreateApiKeySet);
  bind("ListApiKeySets", &ProjectKeyMethods::ListApiKeySets);
  bind("GetApiKeySet", &ProjectKeyMethods::GetApiKeySet);
  bind("UpdateApiKeySet", &ProjectKeyMethods::UpdateApiKeySet);
  bind("ListOAuthProviders", &ProjectKeyMethods::ListOAuthProviders);
  bind("UpsertOAuthProvider", &ProjectKeyMethods::UpsertOAuthProvider);
  bind("DeleteOAuthProvider", &ProjectKeyMethods::DeleteOAuthProvider);
  return bind.status();
}

}  // namespace latchkey::service::api
