#include "storage/postgres/migrations.h"

namespace latchkey::storage::postgres {
namespace {

// Times are BIGINT microseconds since the Unix epoch (as in SQLite, so
// cursors and comparisons behave identically); JSON is TEXT validated by the
// repositories, so both backends return it byte for byte as stored.
// Unique indexes carry the names SQLite errors are mapped to.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  description TEXT,
  created_at_us BIGINT NOT NULL,
  owner_team_id TEXT
);
CREATE INDEX projects_by_owner_team ON projects (owner_team_id);

CREATE TABLE project_config_overrides (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  level TEXT NOT NULL,
  override_json TEXT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  PRIMARY KEY (project_id, level)
);

CREATE TABLE api_key_sets (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  description TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  expires_at_us BIGINT NOT NULL,
  revoked_at_us BIGINT,
  publishable_client_key_hash TEXT,
  publishable_client_key_last_four TEXT,
  secret_server_key_hash TEXT,
  secret_server_key_last_four TEXT,
  super_secret_admin_key_hash TEXT,
  super_secret_admin_key_last_four TEXT
);
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
  client_secret_encrypted BYTEA,
  issuer_url TEXT,
  scopes_json TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  created_at_us BIGINT NOT NULL,
  updated_at_us BIGINT NOT NULL,
  PRIMARY KEY (project_id, provider_id)
);

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name TEXT NOT NULL,
  profile_image_url TEXT,
  client_metadata TEXT NOT NULL,
  client_read_only_metadata TEXT NOT NULL,
  server_metadata TEXT NOT NULL,
  created_at_us BIGINT NOT NULL
);
CREATE INDEX teams_by_project ON teams (project_id, created_at_us, id);
ALTER TABLE projects ADD CONSTRAINT projects_owner_team_id_fkey
  FOREIGN KEY (owner_team_id) REFERENCES teams (id) ON DELETE SET NULL;

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name TEXT,
  profile_image_url TEXT,
  client_metadata TEXT NOT NULL,
  client_read_only_metadata TEXT NOT NULL,
  server_metadata TEXT NOT NULL,
  is_anonymous BOOLEAN NOT NULL,
  restricted_by_admin BOOLEAN NOT NULL,
  restricted_by_admin_reason TEXT,
  restricted_by_admin_private_details TEXT,
  selected_team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
  otp_auth_enabled BOOLEAN NOT NULL,
  passkey_auth_enabled BOOLEAN NOT NULL,
  external_id TEXT,
  country_code TEXT,
  risk_score_bot BIGINT NOT NULL,
  risk_score_free_trial_abuse BIGINT NOT NULL,
  signed_up_at_us BIGINT NOT NULL,
  last_active_at_us BIGINT NOT NULL
);
CREATE INDEX users_by_signed_up ON users (project_id, signed_up_at_us, id);
CREATE UNIQUE INDEX users_external_id_unique ON users (project_id, external_id);
CREATE INDEX users_by_selected_team ON users (selected_team_id);

CREATE TABLE contact_channels (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  is_primary BOOLEAN NOT NULL,
  is_verified BOOLEAN NOT NULL,
  used_for_auth BOOLEAN NOT NULL,
  created_at_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_channels_auth_unique
  ON contact_channels (project_id, type, value) WHERE used_for_auth;
CREATE UNIQUE INDEX contact_channels_user_value_unique
  ON contact_channels (user_id, type, value);
CREATE UNIQUE INDEX contact_channels_primary_unique
  ON contact_channels (user_id, type) WHERE is_primary;
CREATE INDEX contact_channels_by_value ON contact_channels (project_id, type, value);

CREATE TABLE password_credentials (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  password_hash TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  updated_at_us BIGINT NOT NULL
);

CREATE TABLE totp_secrets (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  encrypted_secret BYTEA NOT NULL,
  created_at_us BIGINT NOT NULL
);

CREATE TABLE oauth_accounts (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  provider_account_id TEXT NOT NULL,
  email TEXT,
  allow_sign_in BOOLEAN NOT NULL,
  allow_connected_accounts BOOLEAN NOT NULL,
  created_at_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX oauth_accounts_provider_unique
  ON oauth_accounts (project_id, provider_id, provider_account_id);
CREATE INDEX oauth_accounts_by_user ON oauth_accounts (user_id);

CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  sign_count BIGINT NOT NULL,
  transports_json TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  last_used_at_us BIGINT
);
CREATE UNIQUE INDEX passkeys_credential_unique ON passkeys (project_id, credential_id);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash TEXT NOT NULL,
  is_impersonation BOOLEAN NOT NULL,
  rotation_family_id TEXT NOT NULL,
  rotation_counter BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  last_used_at_us BIGINT,
  expires_at_us BIGINT,
  rotated_at_us BIGINT
);
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
  attempt_count BIGINT NOT NULL,
  max_attempts BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  expires_at_us BIGINT NOT NULL,
  used_at_us BIGINT
);
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
  created_at_us BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id, team_id);

CREATE TABLE team_invitations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  recipient_email TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  invited_by_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at_us BIGINT NOT NULL,
  expires_at_us BIGINT NOT NULL,
  accepted_at_us BIGINT
);
CREATE UNIQUE INDEX team_invitations_code_unique ON team_invitations (project_id, code_hash);
CREATE INDEX team_invitations_by_team ON team_invitations (team_id, created_at_us);
CREATE INDEX team_invitations_by_inviter ON team_invitations (invited_by_user_id);

CREATE TABLE permission_definitions (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope IN ('team', 'project')),
  permission_id TEXT NOT NULL,
  description TEXT,
  created_at_us BIGINT NOT NULL,
  PRIMARY KEY (project_id, scope, permission_id)
);

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
);
CREATE INDEX permission_containments_by_child
  ON permission_containments (project_id, scope, child_id);

CREATE TABLE team_permission_grants (
  project_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope = 'team'),
  permission_id TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id, permission_id),
  FOREIGN KEY (team_id, user_id) REFERENCES team_members (team_id, user_id)
    ON DELETE CASCADE,
  FOREIGN KEY (project_id, scope, permission_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX team_permission_grants_by_user ON team_permission_grants (user_id);
CREATE INDEX team_permission_grants_by_permission
  ON team_permission_grants (project_id, scope, permission_id);

CREATE TABLE project_permission_grants (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL CHECK (scope = 'project'),
  permission_id TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  PRIMARY KEY (user_id, permission_id),
  FOREIGN KEY (project_id, scope, permission_id)
    REFERENCES permission_definitions (project_id, scope, permission_id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX project_permission_grants_by_permission
  ON project_permission_grants (project_id, scope, permission_id);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  occurred_at_us BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  actor_user_id TEXT,
  subject_type TEXT,
  subject_id TEXT,
  ip_address TEXT,
  data_json TEXT NOT NULL
);
CREATE INDEX audit_events_by_project ON audit_events (project_id, occurred_at_us, id);

CREATE TABLE rate_limit_counters (
  project_id TEXT NOT NULL,
  counter_key TEXT NOT NULL,
  window_start_us BIGINT NOT NULL,
  hits BIGINT NOT NULL,
  expires_at_us BIGINT NOT NULL,
  PRIMARY KEY (project_id, counter_key, window_start_us)
);
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
ALTER TABLE rate_limit_counters ADD COLUMN last_hit_us BIGINT;
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
  is_public BOOLEAN NOT NULL,
  key_hash TEXT NOT NULL,
  last_four TEXT NOT NULL,
  created_at_us BIGINT NOT NULL,
  expires_at_us BIGINT,
  revoked_at_us BIGINT,
  CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX app_api_keys_hash_unique ON app_api_keys (key_hash);
CREATE INDEX app_api_keys_by_user ON app_api_keys (user_id, created_at_us);
CREATE INDEX app_api_keys_by_team ON app_api_keys (team_id, created_at_us);
)sql";

// Connected accounts: per-provider switches for sign-in and for connected
// accounts (both on by default, so existing providers keep working), and the
// provider's own tokens on each link. Tokens are sealed by the caller with
// the link id as associated data, so a sealed value only opens on its row.
constexpr std::string_view kConnectedAccounts = R"sql(
ALTER TABLE oauth_providers ADD COLUMN allow_sign_in BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE oauth_providers ADD COLUMN allow_connected_accounts BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE oauth_accounts ADD COLUMN access_token_sealed BYTEA;
ALTER TABLE oauth_accounts ADD COLUMN refresh_token_sealed BYTEA;
ALTER TABLE oauth_accounts ADD COLUMN access_token_expires_at_us BIGINT;
ALTER TABLE oauth_accounts ADD COLUMN granted_scopes_json TEXT NOT NULL DEFAULT '[]';
)sql";

// Provider settings of the remaining provider types: the Microsoft tenant
// (null: "consumers"), the Facebook business-login configuration, and
// whether the provider uses the deployment's own shared development client
// instead of a client of the project's (off for every existing row).
constexpr std::string_view kProviderSettings = R"sql(
ALTER TABLE oauth_providers ADD COLUMN microsoft_tenant_id TEXT;
ALTER TABLE oauth_providers ADD COLUMN facebook_config_id TEXT;
ALTER TABLE oauth_providers ADD COLUMN is_shared BOOLEAN NOT NULL DEFAULT FALSE;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema", kInitialSchema},
    {2, "sessions by expiry", kSessionExpiryIndex},
    {3, "rate-limit counters keep their last hit", kRateLimitLastHit},
    {4, "user and team API keys", kAppApiKeys},
    {5, "connected accounts", kConnectedAccounts},
    {6, "provider settings and shared keys", kProviderSettings},
};

}  // namespace

absl::Span<const Migration> PostgresMigrations() { return kMigrations; }

}  // namespace latchkey::storage::postgres
