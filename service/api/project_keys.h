#ifndef SERVICE_API_PROJECT_KEYS_H_
#define SERVICE_API_PROJECT_KEYS_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// The credential half of ProjectService: API key sets (CreateApiKeySet,
// ListApiKeySets, GetApiKeySet, UpdateApiKeySet) and OAuth provider
// settings (ListOAuthProviders, UpsertOAuthProvider, DeleteOAuthProvider).
// Part of RegisterProjectService (project_service.h); not for other callers.
//
// Keys are "pck_" / "ssk_" / "sak_" + crypto::RandomToken() (45 characters),
// returned once; storage keeps crypto::HashToken of each and its last four
// characters. OAuth client secrets are sealed (core/oauth_client_secrets.h)
// and never returned. Handlers are thread-safe; `context` must outlive them.
absl::Status RegisterProjectKeyMethods(MethodRegistry& registry,
                                       AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PROJECT_KEYS_H_
