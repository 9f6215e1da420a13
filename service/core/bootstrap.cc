#include "service/core/bootstrap.h"

#include <string_view>

#include "common/string_views.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/core/default_permissions.h"
#include "service/core/project_directory.h"

namespace latchkey::service::core {
namespace {

using common::Std;

bool AlreadyThere(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAlreadyExists;
}

}  // namespace

absl::Status EnsureInternalProject(storage::Database& database,
                                   const BootstrapKeys& keys,
                                   const common::Clock& clock) {
  absl::Status created = database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::ProjectRecord> existing =
            repos.projects().Get(Std(kInternalProjectId));
        if (existing.ok()) return absl::OkStatus();
        if (existing.status().code() != absl::StatusCode::kNotFound) {
          return existing.status();
        }
        storage::ProjectRecord project;
        project.id = std::string(kInternalProjectId);
        project.display_name = "Latchkey";
        project.description = "The project whose users administer all others.";
        project.created_at = clock.Now();
        return repos.projects().Create(project);
      });
  if (!created.ok() && !AlreadyThere(created)) return created;
  // Also for an internal project created by an older version.
  absl::Status seeded =
      EnsureDefaultPermissions(database, Std(kInternalProjectId), clock.Now());
  if (!seeded.ok()) return seeded;

  struct Given {
    const std::string* key;
    storage::ApiKeyKind kind;
  };
  const Given given[] = {
      {&keys.publishable_client_key, storage::ApiKeyKind::kPublishableClient},
      {&keys.secret_server_key, storage::ApiKeyKind::kSecretServer},
      {&keys.super_secret_admin_key, storage::ApiKeyKind::kSuperSecretAdmin},
  };
  for (const Given& item : given) {
    if (item.key->empty()) continue;
    const std::string hash = crypto::HashToken(*item.key);
    absl::Status status = database.RunInTransaction(
        [&](storage::Repositories& repos) -> absl::Status {
          absl::StatusOr<storage::ApiKeySetRecord> found =
              repos.api_keys().FindByKeyHash(item.kind, hash);
          if (found.ok()) return absl::OkStatus();
          if (found.status().code() != absl::StatusCode::kNotFound) {
            return found.status();
          }
          absl::StatusOr<std::string> id = crypto::RandomUuidV4();
          if (!id.ok()) return id.status();
          storage::ApiKeySetRecord set;
          set.id = *id;
          set.project_id = std::string(kInternalProjectId);
          set.description = "Bootstrap key from LATCHKEY_INTERNAL_* settings";
          set.created_at = clock.Now();
          set.expires_at = clock.Now() + absl::Hours(24 * 365 * 100);
          storage::StoredApiKey stored{hash,
                                       item.key->substr(item.key->size() - 4)};
          switch (item.kind) {
            case storage::ApiKeyKind::kPublishableClient:
              set.publishable_client_key = stored;
              break;
            case storage::ApiKeyKind::kSecretServer:
              set.secret_server_key = stored;
              break;
            case storage::ApiKeyKind::kSuperSecretAdmin:
              set.super_secret_admin_key = stored;
              break;
          }
          return repos.api_keys().Create(set);
        });
    if (!status.ok() && !AlreadyThere(status)) return status;
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
