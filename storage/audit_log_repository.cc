#include "storage/audit_log_repository.h"

#include <limits>

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {

absl::Status AuditLogRepository::Append(const AuditEventRecord& e) {
  LATCHKEY_RETURN_IF_ERROR(ValidateJson("data", e.data_json));
  return ex_
      .Execute(
          "INSERT INTO audit_events (id, project_id, occurred_at_us,"
          " event_type, actor_user_id, subject_type, subject_id,"
          " ip_address, data_json) VALUES ($1, $2, $3, $4, $5, $6, $7,"
          " $8, $9)",
          {e.id, e.project_id, e.occurred_at, e.event_type, e.actor_user_id,
           e.subject_type, e.subject_id, e.ip_address, e.data_json})
      .status();
}

absl::StatusOr<std::vector<AuditEventRecord>> AuditLogRepository::ListRecent(
    std::string_view project_id, int limit, std::optional<absl::Time> before) {
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError("audit page size is outside 1..1000");
  }
  const int64_t before_us = before.has_value()
                                ? absl::ToUnixMicros(*before)
                                : std::numeric_limits<int64_t>::max();
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT id, project_id, occurred_at_us, event_type,"
                  " actor_user_id, subject_type, subject_id, ip_address,"
                  " data_json FROM audit_events WHERE project_id = $1"
                  " AND occurred_at_us < $2"
                  " ORDER BY occurred_at_us DESC, id DESC LIMIT $3",
                  {project_id, before_us, limit}));
  std::vector<AuditEventRecord> out;
  for (const SqlRow& row : result.rows) {
    AuditEventRecord e;
    e.id = row.Text(0);
    e.project_id = row.Text(1);
    e.occurred_at = row.Time(2);
    e.event_type = row.Text(3);
    e.actor_user_id = row.OptionalText(4);
    e.subject_type = row.OptionalText(5);
    e.subject_id = row.OptionalText(6);
    e.ip_address = row.OptionalText(7);
    e.data_json = row.Text(8);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace latchkey::storage
