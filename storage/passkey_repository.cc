#include "storage/passkey_repository.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_PASSKEY_COLUMNS                                          \
  "id, project_id, user_id, credential_id, public_key, sign_count," \
  " transports_json, created_at_us, last_used_at_us"

PasskeyRecord ReadPasskey(const SqlRow& row) {
  PasskeyRecord p;
  p.id = row.Text(0);
  p.project_id = row.Text(1);
  p.user_id = row.Text(2);
  p.credential_id = row.Text(3);
  p.public_key = row.Bytes(4);
  p.sign_count = row.Int(5);
  p.transports_json = row.Text(6);
  p.created_at = row.Time(7);
  p.last_used_at = row.OptionalTime(8);
  return p;
}

}  // namespace

absl::Status PasskeyRepository::Create(const PasskeyRecord& p) {
  LATCHKEY_RETURN_IF_ERROR(ValidateJson("transports", p.transports_json));
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO passkeys (" LK_PASSKEY_COLUMNS
                  ") SELECT $1, project_id, id, $4, $5, $6, $7, $8, $9"
                  " FROM users WHERE project_id = $2 AND id = $3",
                  {p.id, p.project_id, p.user_id, p.credential_id,
                   SqlParam::Bytes(p.public_key), p.sign_count,
                   p.transports_json, p.created_at, p.last_used_at}));
  return RequireAffected(result, "user", p.user_id);
}

absl::StatusOr<PasskeyRecord> PasskeyRepository::FindByCredentialId(
    std::string_view project_id, std::string_view credential_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PASSKEY_COLUMNS " FROM passkeys"
                  " WHERE project_id = $1 AND credential_id = $2",
                  {project_id, credential_id}));
  if (result.rows.empty()) return NotFound("passkey", credential_id);
  return ReadPasskey(result.rows[0]);
}

absl::StatusOr<std::vector<PasskeyRecord>> PasskeyRepository::ListForUser(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PASSKEY_COLUMNS " FROM passkeys"
                  " WHERE project_id = $1 AND user_id = $2"
                  " ORDER BY created_at_us, id",
                  {project_id, user_id}));
  std::vector<PasskeyRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadPasskey(row));
  return out;
}

absl::Status PasskeyRepository::RecordUse(std::string_view project_id,
                                          std::string_view passkey_id,
                                          int64_t sign_count,
                                          absl::Time used_at) {
  // The counter check is in the UPDATE itself, so two concurrent uses of
  // one counter value cannot both pass.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE passkeys SET sign_count = $3, last_used_at_us = $4"
                  " WHERE project_id = $1 AND id = $2 AND"
                  " (sign_count < $3 OR (sign_count = 0 AND $3 = 0))",
                  {project_id, passkey_id, sign_count, used_at}));
  if (result.affected_rows > 0) return absl::OkStatus();
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult exists,
      ex_.Execute("SELECT sign_count FROM passkeys WHERE project_id = $1"
                  " AND id = $2",
                  {project_id, passkey_id}));
  if (exists.rows.empty()) return NotFound("passkey", passkey_id);
  return absl::FailedPreconditionError(
      absl::StrCat("passkey signature counter did not increase (stored ",
                   exists.rows[0].Int(0), ", presented ", sign_count, ")"));
}

absl::Status PasskeyRepository::Delete(std::string_view project_id,
                                       std::string_view passkey_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM passkeys WHERE project_id = $1 AND id = $2",
                  {project_id, passkey_id}));
  return RequireAffected(result, "passkey", passkey_id);
}

absl::StatusOr<int64_t> PasskeyRepository::DeleteForUser(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2",
                  {project_id, user_id}));
  return static_cast<int64_t>(result.affected_rows);
}

}  // namespace latchkey::storage
