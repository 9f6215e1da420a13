#ifndef STORAGE_AUDIT_LOG_REPOSITORY_H_
#define STORAGE_AUDIT_LOG_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// An append-only log of security-relevant events per project. Events name
// their actor by id without a foreign key, so they outlive deleted users.
// Bound to one connection for one Database callback; not thread-safe.
class AuditLogRepository {
 public:
  explicit AuditLogRepository(SqlExecutor& executor) : ex_(executor) {}

  // Appends the event. Returns ALREADY_EXISTS (audit_events_pkey),
  // NOT_FOUND (project), INVALID_ARGUMENT (data JSON).
  absl::Status Append(const AuditEventRecord& event);

  // The project's newest events, newest first, at most `limit` (1..1000,
  // else INVALID_ARGUMENT), only those before `before` when given.
  absl::StatusOr<std::vector<AuditEventRecord>> ListRecent(
      std::string_view project_id, int limit,
      std::optional<absl::Time> before = std::nullopt);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_AUDIT_LOG_REPOSITORY_H_
