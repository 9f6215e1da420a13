#include "storage/oauth_provider_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_PROVIDER_COLUMNS                                            \
  "project_id, provider_id, type, client_id, client_secret_encrypted," \
  " issuer_url, scopes_json, enabled, created_at_us, updated_at_us,"   \
  " allow_sign_in, allow_connected_accounts, microsoft_tenant_id,"     \
  " facebook_config_id, is_shared"

OAuthProviderRecord ReadProvider(const SqlRow& row) {
  OAuthProviderRecord p;
  p.project_id = row.Text(0);
  p.provider_id = row.Text(1);
  p.type = row.Text(2);
  p.client_id = row.Text(3);
  p.client_secret_encrypted = row.OptionalBytes(4);
  p.issuer_url = row.OptionalText(5);
  p.scopes = DecodeStringList(row.Text(6));
  p.enabled = row.Bool(7);
  p.created_at = row.Time(8);
  p.updated_at = row.Time(9);
  p.allow_sign_in = row.Bool(10);
  p.allow_connected_accounts = row.Bool(11);
  p.microsoft_tenant_id = row.OptionalText(12);
  p.facebook_config_id = row.OptionalText(13);
  p.is_shared = row.Bool(14);
  return p;
}

}  // namespace

absl::Status OAuthProviderRepository::Upsert(const OAuthProviderRecord& p) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO oauth_providers (" LK_PROVIDER_COLUMNS
          ") SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
          " $13, $14, $15"
          " FROM projects"
          " WHERE id = $1 ON CONFLICT (project_id, provider_id) DO UPDATE SET"
          " type = excluded.type, client_id = excluded.client_id,"
          " client_secret_encrypted = COALESCE("
          "excluded.client_secret_encrypted,"
          " oauth_providers.client_secret_encrypted),"
          " issuer_url = excluded.issuer_url,"
          " scopes_json = excluded.scopes_json, enabled = excluded.enabled,"
          " updated_at_us = excluded.updated_at_us,"
          " allow_sign_in = excluded.allow_sign_in,"
          " allow_connected_accounts = excluded.allow_connected_accounts,"
          " microsoft_tenant_id = excluded.microsoft_tenant_id,"
          " facebook_config_id = excluded.facebook_config_id,"
          " is_shared = excluded.is_shared",
          {p.project_id, p.provider_id, p.type, p.client_id,
           SqlParam::OptionalBytes(p.client_secret_encrypted), p.issuer_url,
           EncodeStringList(p.scopes), p.enabled, p.created_at, p.updated_at,
           p.allow_sign_in, p.allow_connected_accounts, p.microsoft_tenant_id,
           p.facebook_config_id, p.is_shared}));
  return RequireAffected(result, "project", p.project_id);
}

absl::StatusOr<OAuthProviderRecord> OAuthProviderRepository::Get(
    std::string_view project_id, std::string_view provider_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PROVIDER_COLUMNS " FROM oauth_providers"
                  " WHERE project_id = $1 AND provider_id = $2",
                  {project_id, provider_id}));
  if (result.rows.empty()) return NotFound("OAuth provider", provider_id);
  return ReadProvider(result.rows[0]);
}

absl::StatusOr<std::vector<OAuthProviderRecord>> OAuthProviderRepository::List(
    std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PROVIDER_COLUMNS " FROM oauth_providers"
                  " WHERE project_id = $1 ORDER BY provider_id",
                  {project_id}));
  std::vector<OAuthProviderRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadProvider(row));
  return out;
}

absl::Status OAuthProviderRepository::Delete(std::string_view project_id,
                                             std::string_view provider_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM oauth_providers WHERE project_id = $1"
                  " AND provider_id = $2",
                  {project_id, provider_id}));
  return RequireAffected(result, "OAuth provider", provider_id);
}

}  // namespace latchkey::storage
