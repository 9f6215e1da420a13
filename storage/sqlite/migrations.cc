#include "storage/sqlite/migrations.h"

#include <utility>

namespace latchkey::storage::sqlite {
namespace {

// Times are INTEGER microseconds since the Unix epoch; booleans are 0/1;
// JSON is TEXT validated by the repositories. STRICT tables make SQLite
// enforce the declared types as PostgreSQL does.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  description TEXT,
  created_at_us INTEGER NOT NULL,
  owner_team_id TEXT REFERENCES teams (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX projects_by_owner_team ON projects (owner_team_id);

CREATE TABLE project_config_overrides (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  level TEXT NOT NULL,
  override_json TEXT NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (project_id, level)
) STRICT;

CREATE TABLE api_key_sets (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  revoked_at_us INTEGER,
  publishable_client_key_hash TEXT,
  publishable_client_key_last_four TEXT,
  secret_server_key_hash TEXT,
  secret_server_key_last_four TEXT,
  super_secret_admin_key_hash TEXT,
  super_secret_admin_key_last_four TEXT
) STRICT;
CREATE INDEX api_key_sets_by_project ON api_key_sets (project_id, created_at_us);
CREATE UNIQUE INDEX api_key_sets_publishable_unique
  ON api_key_sets (publishable_client_key_hash);
CREATE UNIQUE INDEX api_key_sets_secret_unique
  ON api_key_sets (secret_server_key_hash);
CREATE UNIQUE INDEX api_key_sets_admin_unique
  ON api_key_sets (super_secret_admin_key_hash);

CREATE TABLE oauth_providers (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  type TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_secret_encrypted BLOB,
  issuer_url TEXT,
  scopes_json TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  PRIMARY KEY (project_id, provider_id)
) STRICT;

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name TEXT NOT NULL,
  profile_image_url TEXT,
  client_metadata TEXT NOT NULL,
  client_read_only_metadata TEXT NOT NULL,
  server_metadata TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;
CREATE INDEX teams_by_project ON teams (project_id, created_at_us, id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name TEXT,
  profile_image_url TEXT,
  client_metadata TEXT NOT NULL,
  client_read_only_metadata TEXT NOT NULL,
  server_metadata TEXT NOT NULL,
  is_anonymous INTEGER NOT NULL,
  restricted_by_admin INTEGER NOT NULL,
  restricted_by_admin_reason TEXT,
  restricted_by_admin_private_details TEXT,
  selected_team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
  otp_auth_enabled INTEGER NOT NULL,
  passkey_auth_enabled INTEGER NOT NULL,
  external_id TEXT,
  country_code TEXT,
  risk_score_bot INTEGER NOT NULL,
  risk_score_free_trial_abuse INTEGER NOT NULL,
  signed_up_at_us INTEGER NOT NULL,
  last_active_at_us INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_signed_up ON users (project_id, signed_up_at_us, id);
CREATE UNIQUE INDEX users_external_id_unique ON users (project_id, external_id);
CREATE INDEX users_by_selected_team ON users (selected_team_id);

CREATE TABLE contact_channels (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  is_primary INTEGER NOT NULL,
  is_verified INTEGER NOT NULL,
  used_for_auth INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX contact_channels_auth_unique
  ON contact_channels (project_id, type, value) WHERE used_for_auth = 1;
CREATE UNIQUE INDEX contact_channels_user_value_unique
  ON contact_channels (user_id, type, value);
CREATE UNIQUE INDEX contact_channels_primary_unique
  ON contact_channels (user_id, type) WHERE is_primary = 1;
CREATE INDEX contact_channels_by_value ON contact_channels (project_id, type, value);

CREATE TABLE password_credentials (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  password_hash TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  updated_at_us INTEGER NOT NULL
) STRICT;

CREATE TABLE totp_secrets (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  encrypted_secret BLOB NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;

CREATE TABLE oauth_accounts (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  provider_account_id TEXT NOT NULL,
  email TEXT,
  allow_sign_in INTEGER NOT NULL,
  allow_connected_accounts INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX oauth_accounts_provider_unique
  ON oauth_accounts (project_id, provider_id, provider_account_id);
CREATE INDEX oauth_accounts_by_user ON oauth_accounts (user_id);

CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL,
  public_key BLOB NOT NULL,
  sign_count INTEGER NOT NULL,
  transports_json TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  last_used_at_us INTEGER
) STRICT;
CREATE UNIQUE INDEX passkeys_credential_unique ON passkeys (project_id, credential_id);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash TEXT NOT NULL,
  is_impersonation INTEGER NOT NULL,
  rotation_family_id TEXT NOT NULL,
  rotation_counter INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  last_used_at_us INTEGER,
  expires_at_us INTEGER,
  rotated_at_us INTEGER
) STRICT;
CREATE UNIQUE INDEX sessions_token_hash_unique ON sessions (refresh_token_hash);
CREATE UNIQUE INDEX sessions_rotation_unique
  ON sessions (rotation_family_id, rotation_counter);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at_us);

CREATE TABLE verification_codes (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  secondary_code_hash TEXT,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  email TEXT,
  data_json TEXT NOT NULL,
  attempt_count INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  used_at_us INTEGER
) STRICT;
CREATE UNIQUE INDEX verification_codes_hash_unique
  ON verification_codes (project_id, purpose, code_hash);
CREATE UNIQUE INDEX verification_codes_secondary_unique
  ON verification_codes (project_id, purpose, secondary_code_hash);
CREATE INDEX verification_codes_by_user ON verification_codes (user_id);
CREATE INDEX verification_codes_by_expiry ON verification_codes (expires_at_us);

CREATE TABLE team_members (
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  display_name TEXT,
  profile_image_url TEXT,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX team_members_by_user ON team_members (user_id, team_id);

CREATE TABLE team_invitations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  recipient_email TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  invited_by_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  accepted_at_us INTEGER
) STRICT;
CREATE UNIQUE INDEX team_invitations_code_unique ON team_invitations (project_id, code_hash);
CREATE INDEX team_invitations_by_team ON team_invitations (team_id, created_at_us);
CREATE INDEX team_invitations_by_inviter ON team_invitations (invited_by_user_id);

CREATE TABLE permission_definitions (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope IN ('team', 'project')),
  permission_id TEXT NOT NULL,
  description TEXT,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (project_id, scope, permission_id)
) STRICT;

CREATE TABLE permission_containments (
  project_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  child_id TEXT NOT NULL,
  PRIMARY KEY (project_id, scope, parent_id, child_id),
  FOREIGN KEY (project_id, scope, parent_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE,
  FOREIGN KEY (project_id, scope, child_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
CREATE INDEX permission_containments_by_child
  ON permission_containments (project_id, scope, child_id);

CREATE TABLE team_permission_grants (
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope = 'team'),
  permission_id TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (team_id, user_id, permission_id),
  FOREIGN KEY (team_id, user_id) REFERENCES team_members (team_id, user_id)
    ON DELETE CASCADE,
  FOREIGN KEY (project_id, scope, permission_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
CREATE INDEX team_permission_grants_by_user ON team_permission_grants (user_id);
CREATE INDEX team_permission_grants_by_permission
  ON team_permission_grants (project_id, scope, permission_id);

CREATE TABLE project_permission_grants (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope = 'project'),
  permission_id TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (user_id, permission_id),
  FOREIGN KEY (project_id, scope, permission_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
CREATE INDEX project_permission_grants_by_permission
  ON project_permission_grants (project_id, scope, permission_id);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  occurred_at_us INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  actor_user_id TEXT,
  subject_type TEXT,
  subject_id TEXT,
  ip_address TEXT,
  data_json TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_by_project ON audit_events (project_id, occurred_at_us, id);

CREATE TABLE rate_limit_counters (
  project_id TEXT NOT NULL,
  counter_key TEXT NOT NULL,
  window_start_us INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  PRIMARY KEY (project_id, counter_key, window_start_us)
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limit_counters_by_expiry ON rate_limit_counters (expires_at_us);
)sql";

// Refresh-session clean-up (SessionRepository::DeleteExpired) scans by
// expiry.
constexpr std::string_view kSessionExpiryIndex = R"sql(
CREATE INDEX sessions_by_expiry ON sessions (expires_at_us);
)sql";

// Paced limits (RateLimitRepository::IncrementIfUnchanged) space events
// from the last one allowed, so the counter keeps its time.
constexpr std::string_view kRateLimitLastHit = R"sql(
ALTER TABLE rate_limit_counters ADD COLUMN last_hit_us INTEGER;
)sql";

// User and team API keys (AppApiKeyRepository): apps' own keys, which the
// apps check through Latchkey; stored as a hash plus the last four
// characters, owned by exactly one user or one team.
constexpr std::string_view kAppApiKeys = R"sql(
CREATE TABLE app_api_keys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  team_id TEXT REFERENCES teams (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  is_public INTEGER NOT NULL,
  key_hash TEXT NOT NULL,
  last_four TEXT NOT NULL,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER,
  revoked_at_us INTEGER,
  CHECK ((user_id IS NULL) <> (team_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX app_api_keys_hash_unique ON app_api_keys (key_hash);
CREATE INDEX app_api_keys_by_user ON app_api_keys (user_id, created_at_us);
CREATE INDEX app_api_keys_by_team ON app_api_keys (team_id, created_at_us);
)sql";

// Connected accounts: per-provider switches for sign-in and for connected
// accounts (both on by default, so existing providers keep working), and the
// provider's own tokens on each link. Tokens are sealed by the caller with
// the link id as associated data, so a sealed value only opens on its row.
constexpr std::string_view kConnectedAccounts = R"sql(
ALTER TABLE oauth_providers ADD COLUMN allow_sign_in INTEGER NOT NULL DEFAULT 1;
ALTER TABLE oauth_providers ADD COLUMN allow_connected_accounts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE oauth_accounts ADD COLUMN access_token_sealed BLOB;
ALTER TABLE oauth_accounts ADD COLUMN refresh_token_sealed BLOB;
ALTER TABLE oauth_accounts ADD COLUMN access_token_expires_at_us INTEGER;
ALTER TABLE oauth_accounts ADD COLUMN granted_scopes_json TEXT NOT NULL DEFAULT '[]';
)sql";

// Provider settings of the remaining provider types: the Microsoft tenant
// (null: "consumers"), the Facebook business-login configuration, and
// whether the provider uses the deployment's own shared development client
// instead of a client of the project's (off for every existing row).
constexpr std::string_view kProviderSettings = R"sql(
ALTER TABLE oauth_providers ADD COLUMN microsoft_tenant_id TEXT;
ALTER TABLE oauth_providers ADD COLUMN facebook_config_id TEXT;
ALTER TABLE oauth_providers ADD COLUMN is_shared INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema", kInitialSchema},
    {2, "sessions by expiry", kSessionExpiryIndex},
    {3, "rate-limit counters keep their last hit", kRateLimitLastHit},
    {4, "user and team API keys", kAppApiKeys},
    {5, "connected accounts", kConnectedAccounts},
    {6, "provider settings and shared keys", kProviderSettings},
};

// Column lists SQLite reports -> the names PostgreSQL gives the same
// constraints (see postgres/migrations.cc).
constexpr std::pair<std::string_view, std::string_view> kConstraintNames[] = {
    {"projects.id", "projects_pkey"},
    {"project_config_overrides.project_id, project_config_overrides.level",
     "project_config_overrides_pkey"},
    {"api_key_sets.id", "api_key_sets_pkey"},
    {"api_key_sets.publishable_client_key_hash",
     "api_key_sets_publishable_unique"},
    {"api_key_sets.secret_server_key_hash", "api_key_sets_secret_unique"},
    {"api_key_sets.super_secret_admin_key_hash", "api_key_sets_admin_unique"},
    {"oauth_providers.project_id, oauth_providers.provider_id",
     "oauth_providers_pkey"},
    {"teams.id", "teams_pkey"},
    {"users.id", "users_pkey"},
    {"users.project_id, users.external_id", "users_external_id_unique"},
    {"contact_channels.id", "contact_channels_pkey"},
    {"contact_channels.project_id, contact_channels.type, "
     "contact_channels.value",
     "contact_channels_auth_unique"},
    {"contact_channels.user_id, contact_channels.type, contact_channels.value",
     "contact_channels_user_value_unique"},
    {"contact_channels.user_id, contact_channels.type",
     "contact_channels_primary_unique"},
    {"password_credentials.user_id", "password_credentials_pkey"},
    {"totp_secrets.user_id", "totp_secrets_pkey"},
    {"oauth_accounts.id", "oauth_accounts_pkey"},
    {"oauth_accounts.project_id, oauth_accounts.provider_id, "
     "oauth_accounts.provider_account_id",
     "oauth_accounts_provider_unique"},
    {"passkeys.id", "passkeys_pkey"},
    {"passkeys.project_id, passkeys.credential_id",
     "passkeys_credential_unique"},
    {"sessions.id", "sessions_pkey"},
    {"sessions.refresh_token_hash", "sessions_token_hash_unique"},
    {"sessions.rotation_family_id, sessions.rotation_counter",
     "sessions_rotation_unique"},
    {"verification_codes.id", "verification_codes_pkey"},
    {"verification_codes.project_id, verification_codes.purpose, "
     "verification_codes.code_hash",
     "verification_codes_hash_unique"},
    {"verification_codes.project_id, verification_codes.purpose, "
     "verification_codes.secondary_code_hash",
     "verification_codes_secondary_unique"},
    {"team_members.team_id, team_members.user_id", "team_members_pkey"},
    {"team_invitations.id", "team_invitations_pkey"},
    {"team_invitations.project_id, team_invitations.code_hash",
     "team_invitations_code_unique"},
    {"permission_definitions.project_id, permission_definitions.scope, "
     "permission_definitions.permission_id",
     "permission_definitions_pkey"},
    {"permission_containments.project_id, permission_containments.scope, "
     "permission_containments.parent_id, permission_containments.child_id",
     "permission_containments_pkey"},
    {"team_permission_grants.team_id, team_permission_grants.user_id, "
     "team_permission_grants.permission_id",
     "team_permission_grants_pkey"},
    {"project_permission_grants.user_id, "
     "project_permission_grants.permission_id",
     "project_permission_grants_pkey"},
    {"audit_events.id", "audit_events_pkey"},
    {"app_api_keys.id", "app_api_keys_pkey"},
    {"app_api_keys.key_hash", "app_api_keys_hash_unique"},
    {"rate_limit_counters.project_id, rate_limit_counters.counter_key, "
     "rate_limit_counters.window_start_us",
     "rate_limit_counters_pkey"},
};

}  // namespace

absl::Span<const Migration> SqliteMigrations() { return kMigrations; }

std::string SqliteConstraintName(std::string_view columns) {
  for (const auto& [cols, name] : kConstraintNames) {
    if (cols == columns) return std::string(name);
  }
  return std::string(columns);
}

}  // namespace latchkey::storage::sqlite
