#include "service/api/oauth_client.h"

#include <string>

#include "service/errors/api_error.h"
#include "storage/records.h"

namespace latchkey::service::api {
namespace {

absl::Status InvalidClient(absl::string_view client_id) {
  return ApiError(identity::v1::INVALID_OAUTH_CLIENT_ID_OR_SECRET,
                  {{"client_id", std::string(client_id)}});
}

}  // namespace

absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>>
AuthenticateOAuthClient(core::ProjectDirectory& projects,
                        absl::string_view client_id,
                        absl::string_view client_secret) {
  absl::string_view project_id = client_id;
  absl::string_view branch_id = "main";
  if (const size_t hash = client_id.find('#');
      hash != absl::string_view::npos) {
    project_id = client_id.substr(0, hash);
    branch_id = client_id.substr(hash + 1);
  }
  if (project_id.empty() || branch_id != "main" || client_secret.empty()) {
    return InvalidClient(client_id);
  }

  absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>> project =
      projects.Get(project_id);
  if (!project.ok()) {
    if (project.status().code() == absl::StatusCode::kNotFound) {
      return InvalidClient(client_id);
    }
    return project.status();
  }

  if (client_secret == kPublicClientSecret) {
    if ((*project)->config.require_publishable_client_key()) {
      return ApiError(identity::v1::PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT,
                      {{"project_id", (*project)->project.id}});
    }
    return project;
  }
  absl::Status key = projects.VerifyKey(
      project_id, storage::ApiKeyKind::kPublishableClient, client_secret);
  if (key.code() == absl::StatusCode::kNotFound)
    return InvalidClient(client_id);
  if (!key.ok()) return key;
  return project;
}

}  // namespace latchkey::service::api
