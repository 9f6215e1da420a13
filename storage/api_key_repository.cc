#include "storage/api_key_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_KEY_COLUMNS                                         \
  "id, project_id, description, created_at_us, expires_at_us," \
  " revoked_at_us, publishable_client_key_hash,"               \
  " publishable_client_key_last_four, secret_server_key_hash," \
  " secret_server_key_last_four, super_secret_admin_key_hash," \
  " super_secret_admin_key_last_four"

std::optional<StoredApiKey> ReadKey(const SqlRow& row, int column) {
  if (row.IsNull(column)) return std::nullopt;
  return StoredApiKey{row.Text(column), row.Text(column + 1)};
}

ApiKeySetRecord ReadSet(const SqlRow& row) {
  ApiKeySetRecord k;
  k.id = row.Text(0);
  k.project_id = row.Text(1);
  k.description = row.Text(2);
  k.created_at = row.Time(3);
  k.expires_at = row.Time(4);
  k.revoked_at = row.OptionalTime(5);
  k.publishable_client_key = ReadKey(row, 6);
  k.secret_server_key = ReadKey(row, 8);
  k.super_secret_admin_key = ReadKey(row, 10);
  return k;
}

std::optional<std::string> HashOf(const std::optional<StoredApiKey>& key) {
  if (!key.has_value()) return std::nullopt;
  return key->hash;
}

std::optional<std::string> LastFourOf(const std::optional<StoredApiKey>& key) {
  if (!key.has_value()) return std::nullopt;
  return key->last_four;
}

}  // namespace

absl::Status ApiKeyRepository::Create(const ApiKeySetRecord& k) {
  return ex_
      .Execute(
          "INSERT INTO api_key_sets (" LK_KEY_COLUMNS
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
          {k.id, k.project_id, k.description, k.created_at, k.expires_at,
           k.revoked_at, HashOf(k.publishable_client_key),
           LastFourOf(k.publishable_client_key), HashOf(k.secret_server_key),
           LastFourOf(k.secret_server_key), HashOf(k.super_secret_admin_key),
           LastFourOf(k.super_secret_admin_key)})
      .status();
}

absl::StatusOr<ApiKeySetRecord> ApiKeyRepository::Get(
    std::string_view project_id, std::string_view key_set_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_KEY_COLUMNS " FROM api_key_sets"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, key_set_id}));
  if (result.rows.empty()) return NotFound("API key set", key_set_id);
  return ReadSet(result.rows[0]);
}

absl::StatusOr<std::vector<ApiKeySetRecord>> ApiKeyRepository::List(
    std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_KEY_COLUMNS " FROM api_key_sets"
                  " WHERE project_id = $1 ORDER BY created_at_us, id",
                  {project_id}));
  std::vector<ApiKeySetRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadSet(row));
  return out;
}

absl::StatusOr<ApiKeySetRecord> ApiKeyRepository::FindByKeyHash(
    ApiKeyKind kind, std::string_view key_hash) {
  // One fixed statement per kind: the column name is never data.
  absl::StatusOr<SqlResult> result;
  switch (kind) {
    case ApiKeyKind::kPublishableClient:
      result = ex_.Execute("SELECT " LK_KEY_COLUMNS
                           " FROM api_key_sets"
                           " WHERE publishable_client_key_hash = $1",
                           {key_hash});
      break;
    case ApiKeyKind::kSecretServer:
      result = ex_.Execute("SELECT " LK_KEY_COLUMNS
                           " FROM api_key_sets"
                           " WHERE secret_server_key_hash = $1",
                           {key_hash});
      break;
    case ApiKeyKind::kSuperSecretAdmin:
      result = ex_.Execute("SELECT " LK_KEY_COLUMNS
                           " FROM api_key_sets"
                           " WHERE super_secret_admin_key_hash = $1",
                           {key_hash});
      break;
  }
  if (!result.ok()) return result.status();
  if (result->rows.empty()) {
    return absl::NotFoundError("no API key set holds this key");
  }
  return ReadSet(result->rows[0]);
}

absl::Status ApiKeyRepository::UpdateDescription(std::string_view project_id,
                                                 std::string_view key_set_id,
                                                 std::string_view description) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("UPDATE api_key_sets SET description = $3"
                                    " WHERE project_id = $1 AND id = $2",
                                    {project_id, key_set_id, description}));
  return RequireAffected(result, "API key set", key_set_id);
}

absl::Status ApiKeyRepository::Revoke(std::string_view project_id,
                                      std::string_view key_set_id,
                                      absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE api_key_sets"
                  " SET revoked_at_us = COALESCE(revoked_at_us, $3)"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, key_set_id, at}));
  return RequireAffected(result, "API key set", key_set_id);
}

}  // namespace latchkey::storage
