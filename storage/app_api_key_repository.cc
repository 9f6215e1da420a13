#include "storage/app_api_key_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_APP_KEY_COLUMNS                                              \
  "id, project_id, user_id, team_id, description, is_public, key_hash," \
  " last_four, created_at_us, expires_at_us, revoked_at_us"

AppApiKeyRecord ReadKey(const SqlRow& row) {
  AppApiKeyRecord k;
  k.id = row.Text(0);
  k.project_id = row.Text(1);
  if (!row.IsNull(2)) k.user_id = row.Text(2);
  if (!row.IsNull(3)) k.team_id = row.Text(3);
  k.description = row.Text(4);
  k.is_public = row.Bool(5);
  k.key_hash = row.Text(6);
  k.last_four = row.Text(7);
  k.created_at = row.Time(8);
  k.expires_at = row.OptionalTime(9);
  k.revoked_at = row.OptionalTime(10);
  return k;
}

std::vector<AppApiKeyRecord> ReadAll(const SqlResult& result) {
  std::vector<AppApiKeyRecord> out;
  out.reserve(result.rows.size());
  for (const SqlRow& row : result.rows) out.push_back(ReadKey(row));
  return out;
}

}  // namespace

absl::Status AppApiKeyRepository::Create(const AppApiKeyRecord& k) {
  return ex_
      .Execute(
          "INSERT INTO app_api_keys (" LK_APP_KEY_COLUMNS
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {k.id, k.project_id, k.user_id, k.team_id, k.description, k.is_public,
           k.key_hash, k.last_four, k.created_at, k.expires_at, k.revoked_at})
      .status();
}

absl::StatusOr<AppApiKeyRecord> AppApiKeyRepository::Get(
    std::string_view project_id, std::string_view key_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_APP_KEY_COLUMNS " FROM app_api_keys"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, key_id}));
  if (result.rows.empty()) return NotFound("API key", key_id);
  return ReadKey(result.rows[0]);
}

absl::StatusOr<std::vector<AppApiKeyRecord>> AppApiKeyRepository::ListForUser(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_APP_KEY_COLUMNS " FROM app_api_keys"
                  " WHERE project_id = $1 AND user_id = $2"
                  " ORDER BY created_at_us DESC, id DESC",
                  {project_id, user_id}));
  return ReadAll(result);
}

absl::StatusOr<std::vector<AppApiKeyRecord>> AppApiKeyRepository::ListForTeam(
    std::string_view project_id, std::string_view team_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_APP_KEY_COLUMNS " FROM app_api_keys"
                  " WHERE project_id = $1 AND team_id = $2"
                  " ORDER BY created_at_us DESC, id DESC",
                  {project_id, team_id}));
  return ReadAll(result);
}

absl::StatusOr<AppApiKeyRecord> AppApiKeyRepository::FindByHash(
    std::string_view project_id, std::string_view key_hash) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_APP_KEY_COLUMNS " FROM app_api_keys"
                  " WHERE key_hash = $1 AND project_id = $2",
                  {key_hash, project_id}));
  if (result.rows.empty()) {
    return absl::NotFoundError("no API key of this project has this value");
  }
  return ReadKey(result.rows[0]);
}

absl::Status AppApiKeyRepository::UpdateDescription(
    std::string_view project_id, std::string_view key_id,
    std::string_view description) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("UPDATE app_api_keys SET description = $3"
                                    " WHERE project_id = $1 AND id = $2",
                                    {project_id, key_id, description}));
  return RequireAffected(result, "API key", key_id);
}

absl::Status AppApiKeyRepository::UpdateExpiry(
    std::string_view project_id, std::string_view key_id,
    std::optional<absl::Time> expires_at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("UPDATE app_api_keys SET expires_at_us = $3"
                                    " WHERE project_id = $1 AND id = $2",
                                    {project_id, key_id, expires_at}));
  return RequireAffected(result, "API key", key_id);
}

absl::Status AppApiKeyRepository::Revoke(std::string_view project_id,
                                         std::string_view key_id,
                                         absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE app_api_keys"
                  " SET revoked_at_us = COALESCE(revoked_at_us, $3)"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, key_id, at}));
  return RequireAffected(result, "API key", key_id);
}

}  // namespace latchkey::storage
