#ifndef STORAGE_OAUTH_PROVIDER_REPOSITORY_H_
#define STORAGE_OAUTH_PROVIDER_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// A project's OAuth / OIDC provider settings; client secrets arrive
// encrypted. Bound to one connection for one Database callback; not
// thread-safe.
class OAuthProviderRepository {
 public:
  explicit OAuthProviderRepository(SqlExecutor& executor) : ex_(executor) {}

  // Creates or replaces the provider. An unset client secret keeps the
  // stored one; created_at is kept on replace. Returns NOT_FOUND (project).
  absl::Status Upsert(const OAuthProviderRecord& provider);

  // The provider, or NOT_FOUND.
  absl::StatusOr<OAuthProviderRecord> Get(std::string_view project_id,
                                          std::string_view provider_id);

  // The project's providers by id.
  absl::StatusOr<std::vector<OAuthProviderRecord>> List(
      std::string_view project_id);

  // Removes the provider (linked accounts stay). NOT_FOUND.
  absl::Status Delete(std::string_view project_id,
                      std::string_view provider_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_OAUTH_PROVIDER_REPOSITORY_H_
