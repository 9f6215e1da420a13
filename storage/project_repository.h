#ifndef STORAGE_PROJECT_REPOSITORY_H_
#define STORAGE_PROJECT_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Projects (tenants) and their configuration overrides. Deleting a project
// deletes everything in it. Bound to one connection for one Database
// callback; not thread-safe.
class ProjectRepository {
 public:
  explicit ProjectRepository(SqlExecutor& executor) : ex_(executor) {}

  // Stores the project. Returns ALREADY_EXISTS (projects_pkey), NOT_FOUND
  // when the owner team does not exist.
  absl::Status Create(const ProjectRecord& project);

  // The project, or NOT_FOUND.
  absl::StatusOr<ProjectRecord> Get(std::string_view project_id);

  // Every project, oldest first.
  absl::StatusOr<std::vector<ProjectRecord>> List();

  // The projects whose owner team has `user_id` (an internal-project user)
  // as a member, oldest first.
  absl::StatusOr<std::vector<ProjectRecord>> ListOwnedByUser(
      std::string_view user_id);

  // Overwrites display name, description and owner team. NOT_FOUND.
  absl::Status Update(const ProjectRecord& project);

  // Deletes the project and everything in it. NOT_FOUND.
  absl::Status Delete(std::string_view project_id);

  // Creates or replaces one override level. Returns NOT_FOUND (project),
  // INVALID_ARGUMENT unless override_json is a JSON object.
  absl::Status SetConfigOverride(const ConfigOverrideRecord& override_record);

  // The project's override levels, by level name.
  absl::StatusOr<std::vector<ConfigOverrideRecord>> ListConfigOverrides(
      std::string_view project_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_PROJECT_REPOSITORY_H_
