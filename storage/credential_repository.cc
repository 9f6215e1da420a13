#include "storage/credential_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {

// Writes go through a SELECT on users so that a user of another project
// (or none) yields zero rows, i.e. NOT_FOUND.

absl::Status CredentialRepository::SetPassword(
    std::string_view project_id, const PasswordCredentialRecord& c) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO password_credentials (user_id, password_hash,"
          " algorithm, updated_at_us) SELECT id, $3, $4, $5 FROM users"
          " WHERE project_id = $1 AND id = $2"
          " ON CONFLICT (user_id) DO UPDATE SET"
          " password_hash = excluded.password_hash,"
          " algorithm = excluded.algorithm,"
          " updated_at_us = excluded.updated_at_us",
          {project_id, c.user_id, c.password_hash, c.algorithm, c.updated_at}));
  return RequireAffected(result, "user", c.user_id);
}

absl::StatusOr<PasswordCredentialRecord> CredentialRepository::GetPassword(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT p.user_id, p.password_hash, p.algorithm,"
                  " p.updated_at_us FROM password_credentials p"
                  " JOIN users u ON u.id = p.user_id"
                  " WHERE u.project_id = $1 AND p.user_id = $2",
                  {project_id, user_id}));
  if (result.rows.empty()) return NotFound("password of user", user_id);
  const SqlRow& row = result.rows[0];
  return PasswordCredentialRecord{row.Text(0), row.Text(1), row.Text(2),
                                  row.Time(3)};
}

absl::Status CredentialRepository::DeletePassword(std::string_view project_id,
                                                  std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM password_credentials WHERE user_id = $2 AND"
                  " user_id IN (SELECT id FROM users WHERE project_id = $1)",
                  {project_id, user_id}));
  return RequireAffected(result, "password of user", user_id);
}

absl::Status CredentialRepository::SetTotpSecret(std::string_view project_id,
                                                 const TotpSecretRecord& s) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO totp_secrets (user_id, encrypted_secret,"
                  " created_at_us) SELECT id, $3, $4 FROM users"
                  " WHERE project_id = $1 AND id = $2"
                  " ON CONFLICT (user_id) DO UPDATE SET"
                  " encrypted_secret = excluded.encrypted_secret,"
                  " created_at_us = excluded.created_at_us",
                  {project_id, s.user_id, SqlParam::Bytes(s.encrypted_secret),
                   s.created_at}));
  return RequireAffected(result, "user", s.user_id);
}

absl::StatusOr<TotpSecretRecord> CredentialRepository::GetTotpSecret(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT t.user_id, t.encrypted_secret, t.created_at_us"
                  " FROM totp_secrets t JOIN users u ON u.id = t.user_id"
                  " WHERE u.project_id = $1 AND t.user_id = $2",
                  {project_id, user_id}));
  if (result.rows.empty()) return NotFound("TOTP secret of user", user_id);
  const SqlRow& row = result.rows[0];
  return TotpSecretRecord{row.Text(0), row.Bytes(1), row.Time(2)};
}

absl::Status CredentialRepository::DeleteTotpSecret(std::string_view project_id,
                                                    std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM totp_secrets WHERE user_id = $2 AND"
                  " user_id IN (SELECT id FROM users WHERE project_id = $1)",
                  {project_id, user_id}));
  return RequireAffected(result, "TOTP secret of user", user_id);
}

}  // namespace latchkey::storage
