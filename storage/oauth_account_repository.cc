#include "storage/oauth_account_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_OAUTH_COLUMNS                                                    \
  "id, project_id, user_id, provider_id, provider_account_id, email,"       \
  " allow_sign_in, allow_connected_accounts, created_at_us,"                \
  " access_token_sealed, refresh_token_sealed, access_token_expires_at_us," \
  " granted_scopes_json"

OAuthAccountRecord ReadAccount(const SqlRow& row) {
  OAuthAccountRecord a;
  a.id = row.Text(0);
  a.project_id = row.Text(1);
  a.user_id = row.Text(2);
  a.provider_id = row.Text(3);
  a.provider_account_id = row.Text(4);
  a.email = row.OptionalText(5);
  a.allow_sign_in = row.Bool(6);
  a.allow_connected_accounts = row.Bool(7);
  a.created_at = row.Time(8);
  a.access_token_sealed = row.OptionalBytes(9);
  a.refresh_token_sealed = row.OptionalBytes(10);
  a.access_token_expires_at = row.OptionalTime(11);
  a.granted_scopes = DecodeStringList(row.Text(12));
  return a;
}

}  // namespace

absl::Status OAuthAccountRepository::Create(const OAuthAccountRecord& a) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO oauth_accounts (" LK_OAUTH_COLUMNS
          ") SELECT $1, project_id, id, $4, $5, $6, $7, $8, $9, $10, $11,"
          " $12, $13"
          " FROM users WHERE project_id = $2 AND id = $3",
          {a.id, a.project_id, a.user_id, a.provider_id, a.provider_account_id,
           a.email, a.allow_sign_in, a.allow_connected_accounts, a.created_at,
           SqlParam::OptionalBytes(a.access_token_sealed),
           SqlParam::OptionalBytes(a.refresh_token_sealed),
           a.access_token_expires_at, EncodeStringList(a.granted_scopes)}));
  return RequireAffected(result, "user", a.user_id);
}

absl::StatusOr<OAuthAccountRecord>
OAuthAccountRepository::FindByProviderAccount(
    std::string_view project_id, std::string_view provider_id,
    std::string_view provider_account_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_OAUTH_COLUMNS " FROM oauth_accounts"
                  " WHERE project_id = $1 AND provider_id = $2"
                  " AND provider_account_id = $3",
                  {project_id, provider_id, provider_account_id}));
  if (result.rows.empty()) {
    return NotFound("OAuth account", provider_account_id);
  }
  return ReadAccount(result.rows[0]);
}

absl::StatusOr<std::vector<OAuthAccountRecord>>
OAuthAccountRepository::ListForUser(std::string_view project_id,
                                    std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_OAUTH_COLUMNS " FROM oauth_accounts"
                  " WHERE project_id = $1 AND user_id = $2"
                  " ORDER BY created_at_us, id",
                  {project_id, user_id}));
  std::vector<OAuthAccountRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadAccount(row));
  return out;
}

absl::StatusOr<std::vector<OAuthAccountRecord>>
OAuthAccountRepository::ListForProject(std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_OAUTH_COLUMNS " FROM oauth_accounts"
                  " WHERE project_id = $1 ORDER BY created_at_us, id",
                  {project_id}));
  std::vector<OAuthAccountRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadAccount(row));
  return out;
}

absl::StatusOr<OAuthAccountRecord> OAuthAccountRepository::Get(
    std::string_view project_id, std::string_view account_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_OAUTH_COLUMNS " FROM oauth_accounts"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, account_id}));
  if (result.rows.empty()) return NotFound("OAuth account", account_id);
  return ReadAccount(result.rows[0]);
}

absl::Status OAuthAccountRepository::UpdateTokens(std::string_view project_id,
                                                  std::string_view account_id,
                                                  const OAuthAccountTokens& t) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "UPDATE oauth_accounts SET access_token_sealed = $3,"
          " refresh_token_sealed = COALESCE($4, refresh_token_sealed),"
          " access_token_expires_at_us = $5, granted_scopes_json = $6"
          " WHERE project_id = $1 AND id = $2",
          {project_id, account_id,
           SqlParam::OptionalBytes(t.access_token_sealed),
           SqlParam::OptionalBytes(t.refresh_token_sealed),
           t.access_token_expires_at, EncodeStringList(t.granted_scopes)}));
  return RequireAffected(result, "OAuth account", account_id);
}

absl::Status OAuthAccountRepository::Update(const OAuthAccountRecord& a) {
  // The right-hand sides read the row as it was, in both dialects, so the
  // token columns compare against the old provider account id.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "UPDATE oauth_accounts SET email = $3, allow_sign_in = $4,"
          " allow_connected_accounts = $5,"
          " access_token_sealed = CASE WHEN provider_account_id = $6"
          " THEN access_token_sealed ELSE NULL END,"
          " refresh_token_sealed = CASE WHEN provider_account_id = $6"
          " THEN refresh_token_sealed ELSE NULL END,"
          " access_token_expires_at_us = CASE WHEN provider_account_id = $6"
          " THEN access_token_expires_at_us ELSE NULL END,"
          " granted_scopes_json = CASE WHEN provider_account_id = $6"
          " THEN granted_scopes_json ELSE '[]' END,"
          " provider_account_id = $6"
          " WHERE project_id = $1 AND id = $2",
          {a.project_id, a.id, a.email, a.allow_sign_in,
           a.allow_connected_accounts, a.provider_account_id}));
  return RequireAffected(result, "OAuth account", a.id);
}

absl::Status OAuthAccountRepository::Delete(std::string_view project_id,
                                            std::string_view account_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "DELETE FROM oauth_accounts WHERE project_id = $1 AND id = $2",
          {project_id, account_id}));
  return RequireAffected(result, "OAuth account", account_id);
}

}  // namespace latchkey::storage
