#include "storage/verification_code_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_CODE_COLUMNS                                               \
  "id, project_id, purpose, code_hash, secondary_code_hash, user_id," \
  " email, data_json, attempt_count, max_attempts, created_at_us,"    \
  " expires_at_us, used_at_us"

VerificationCodeRecord ReadCode(const SqlRow& row) {
  VerificationCodeRecord c;
  c.id = row.Text(0);
  c.project_id = row.Text(1);
  c.purpose = row.Text(2);
  c.code_hash = row.Text(3);
  c.secondary_code_hash = row.OptionalText(4);
  c.user_id = row.OptionalText(5);
  c.email = row.OptionalText(6);
  c.data_json = row.Text(7);
  c.attempt_count = static_cast<int>(row.Int(8));
  c.max_attempts = static_cast<int>(row.Int(9));
  c.created_at = row.Time(10);
  c.expires_at = row.Time(11);
  c.used_at = row.OptionalTime(12);
  return c;
}

}  // namespace

absl::Status VerificationCodeRepository::Create(
    const VerificationCodeRecord& c) {
  LATCHKEY_RETURN_IF_ERROR(ValidateJson("data", c.data_json));
  return ex_
      .Execute(
          "INSERT INTO verification_codes (" LK_CODE_COLUMNS
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
          " $13)",
          {c.id, c.project_id, c.purpose, c.code_hash, c.secondary_code_hash,
           c.user_id, c.email, c.data_json, c.attempt_count, c.max_attempts,
           c.created_at, c.expires_at, c.used_at})
      .status();
}

absl::StatusOr<VerificationCodeRecord> VerificationCodeRepository::FindByHash(
    std::string_view project_id, std::string_view purpose,
    std::string_view hash) {
  // Two indexed probes rather than one OR, which SQLite would scan.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CODE_COLUMNS " FROM verification_codes"
                  " WHERE project_id = $1 AND purpose = $2 AND code_hash = $3"
                  " UNION ALL SELECT " LK_CODE_COLUMNS
                  " FROM verification_codes WHERE project_id = $1"
                  " AND purpose = $2 AND secondary_code_hash = $3",
                  {project_id, purpose, hash}));
  if (result.rows.empty()) return NotFound("verification code", purpose);
  return ReadCode(result.rows[0]);
}

absl::StatusOr<int> VerificationCodeRepository::RecordFailedAttempt(
    std::string_view project_id, std::string_view code_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE verification_codes"
                  " SET attempt_count = attempt_count + 1"
                  " WHERE project_id = $1 AND id = $2 RETURNING attempt_count",
                  {project_id, code_id}));
  if (result.rows.empty()) return NotFound("verification code", code_id);
  return static_cast<int>(result.rows[0].Int(0));
}

absl::Status VerificationCodeRepository::MarkUsed(std::string_view project_id,
                                                  std::string_view code_id,
                                                  absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE verification_codes SET used_at_us = $3"
                  " WHERE project_id = $1 AND id = $2 AND used_at_us IS NULL",
                  {project_id, code_id, at}));
  if (result.affected_rows > 0) return absl::OkStatus();
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult exists,
      ex_.Execute("SELECT 1 FROM verification_codes WHERE project_id = $1"
                  " AND id = $2",
                  {project_id, code_id}));
  if (exists.rows.empty()) return NotFound("verification code", code_id);
  return absl::FailedPreconditionError(
      "the verification code was used already");
}

absl::Status VerificationCodeRepository::Delete(std::string_view project_id,
                                                std::string_view code_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM verification_codes WHERE project_id = $1"
                  " AND id = $2",
                  {project_id, code_id}));
  return RequireAffected(result, "verification code", code_id);
}

absl::StatusOr<int64_t> VerificationCodeRepository::DeleteExpired(
    absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM verification_codes WHERE expires_at_us <= $1",
                  {now}));
  return result.affected_rows;
}

}  // namespace latchkey::storage
