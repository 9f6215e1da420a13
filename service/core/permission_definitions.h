#ifndef SERVICE_CORE_PERMISSION_DEFINITIONS_H_
#define SERVICE_CORE_PERMISSION_DEFINITIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "service/core/permission_catalog.h"
#include "service/core/users.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Permission definitions at both scopes.
//  - Ids match [a-z0-9_:]+ (SCHEMA_ERROR otherwise) and are unique across
//    both scopes (PERMISSION_ID_ALREADY_EXISTS), which is what makes
//    WRONG_PERMISSION_SCOPE meaningful. System permissions ("$...") are
//    built in: listed with the team definitions and usable as contained
//    ids, never created, changed or deleted (SCHEMA_ERROR).
//  - Contained ids must be defined at the same scope
//    (CONTAINED_PERMISSION_NOT_FOUND); duplicates are dropped.
//  - Writes run serializable, check for cycles on the scope's edges as
//    they will be (CONTAINED_PERMISSION_CYCLE naming the contained id that
//    closes one), then invalidate this process's compiled view (other
//    replicas see the change within the catalog's TTL).
//  - Deleting takes its grants and edges with it.
// Thread-safe; the references must outlive this object.
class PermissionDefinitions {
 public:
  struct NewDefinition {
    std::string id;
    std::optional<std::string> description;
    std::vector<std::string> contained_permission_ids;
  };

  // What to change; unset members stay as they are.
  struct Changes {
    // The new id (a rename).
    std::optional<std::string> id;
    Change<std::string> description;
    std::optional<std::vector<std::string>> contained_permission_ids;
  };

  PermissionDefinitions(storage::Database& database, const common::Clock& clock,
                        PermissionCatalog& catalog)
      : database_(database), clock_(clock), catalog_(catalog) {}

  // By id: system ("$...") ones first.
  absl::StatusOr<std::vector<storage::PermissionDefinitionRecord>> List(
      const std::string& project_id, storage::PermissionScope scope) const;

  absl::StatusOr<storage::PermissionDefinitionRecord> Create(
      const std::string& project_id, storage::PermissionScope scope,
      const NewDefinition& definition) const;

  absl::StatusOr<storage::PermissionDefinitionRecord> Update(
      const std::string& project_id, storage::PermissionScope scope,
      const std::string& permission_id, const Changes& changes) const;

  absl::Status Delete(const std::string& project_id,
                      storage::PermissionScope scope,
                      const std::string& permission_id) const;

 private:
  storage::Database& database_;
  const common::Clock& clock_;
  PermissionCatalog& catalog_;
};

// The id an update or delete names: SCHEMA_ERROR for a system permission,
// PERMISSION_NOT_FOUND for one that could not exist. Update and Delete
// check it first; exposed so a caller can refuse such a request before
// looking at the rest of it.
absl::Status CheckExistingPermissionId(const std::string& id);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PERMISSION_DEFINITIONS_H_
