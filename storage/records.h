#ifndef STORAGE_RECORDS_H_
#define STORAGE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

// The rows the repositories read and write, as plain structs. Ids are UUID
// strings the caller chooses (storage never generates ids, tokens or
// hashes: it stores the hashes it is given). Times are absl::Time with
// microsecond precision; nullable columns are std::optional; JSON columns
// hold JSON text, which the repositories validate before writing.
namespace latchkey::storage {

// ---- Projects -------------------------------------------------------------

struct ProjectRecord {
  std::string id;  // A UUID, or "internal".
  std::string display_name;
  std::optional<std::string> description;
  absl::Time created_at;
  // The internal-project team whose members administer this project.
  std::optional<std::string> owner_team_id;
};

// One level of configuration overrides ("project", ...), kept as the JSON
// object of dotted keys the administrator wrote; the service merges levels.
struct ConfigOverrideRecord {
  std::string project_id;
  std::string level;
  std::string override_json;
  absl::Time updated_at;
};

enum class ApiKeyKind { kPublishableClient, kSecretServer, kSuperSecretAdmin };

// A key as stored: its hash and, for display, its last four characters.
struct StoredApiKey {
  std::string hash;
  std::string last_four;
};

struct ApiKeySetRecord {
  std::string id;
  std::string project_id;
  std::string description;
  absl::Time created_at;
  absl::Time expires_at;
  std::optional<absl::Time> revoked_at;
  std::optional<StoredApiKey> publishable_client_key;
  std::optional<StoredApiKey> secret_server_key;
  std::optional<StoredApiKey> super_secret_admin_key;
};

// A user's or a team's own API key (not a credential for Latchkey's API:
// apps check it through Latchkey). Exactly one of user_id and team_id is
// set. Only the key's hash and last four characters are stored.
struct AppApiKeyRecord {
  std::string id;
  std::string project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> team_id;
  std::string description;
  bool is_public = false;
  std::string key_hash;
  std::string last_four;
  absl::Time created_at;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> revoked_at;
};

struct OAuthProviderRecord {
  std::string project_id;
  std::string provider_id;  // "google", "github", or any id for OIDC.
  std::string type;         // "google", "github", "microsoft", "oidc".
  std::string client_id;
  // Encrypted by the caller; bytes. On upsert, nullopt keeps the stored one.
  std::optional<std::string> client_secret_encrypted;
  std::optional<std::string> issuer_url;
  std::vector<std::string> scopes;
  bool enabled = true;
  // Whether users may sign in / sign up through the provider; when off, it
  // can still be linked (type=link) for connected accounts.
  bool allow_sign_in = true;
  // Whether linked accounts may hand out provider access tokens.
  bool allow_connected_accounts = true;
  // Type microsoft: the tenant its endpoints are under (unset: consumers).
  std::optional<std::string> microsoft_tenant_id;
  // Type facebook: the business-login configuration (config_id).
  std::optional<std::string> facebook_config_id;
  // Uses the deployment's own client for the type (development only);
  // client_id and the secret are then unused.
  bool is_shared = false;
  absl::Time created_at;
  absl::Time updated_at;
};

// ---- Users and their credentials --------------------------------------------

struct UserRecord {
  std::string id;
  std::string project_id;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  std::string client_metadata_json = "null";
  std::string client_read_only_metadata_json = "null";
  std::string server_metadata_json = "null";
  bool is_anonymous = false;
  bool restricted_by_admin = false;
  std::optional<std::string> restricted_by_admin_reason;
  std::optional<std::string> restricted_by_admin_private_details;
  std::optional<std::string> selected_team_id;
  bool otp_auth_enabled = false;
  bool passkey_auth_enabled = false;
  // The id in the system the user was imported from; unique per project.
  std::optional<std::string> external_id;
  std::optional<std::string> country_code;
  int risk_score_bot = 0;
  int risk_score_free_trial_abuse = 0;
  absl::Time signed_up_at;
  absl::Time last_active_at;
};

// A user as the API shows one: the row plus facts derived from other
// tables in the same query, so a page of users costs one round trip.
struct UserView {
  UserRecord user;
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  bool has_password = false;
  bool has_totp = false;
  // Whether any OAuth account is linked: lets a reader skip listing them.
  bool has_oauth_accounts = false;
};

struct ContactChannelRecord {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string type = "email";
  std::string value;  // Emails trimmed and lower-cased by the caller.
  bool is_primary = false;
  bool is_verified = false;
  // At most one channel per (project, type, value) may be used for auth.
  bool used_for_auth = false;
  absl::Time created_at;
};

struct PasswordCredentialRecord {
  std::string user_id;
  std::string password_hash;  // PHC string or bcrypt hash.
  std::string algorithm;      // "argon2id", "bcrypt".
  absl::Time updated_at;
};

struct TotpSecretRecord {
  std::string user_id;
  std::string encrypted_secret;  // Bytes, encrypted by the caller.
  absl::Time created_at;
};

struct OAuthAccountRecord {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string provider_id;
  std::string provider_account_id;
  std::optional<std::string> email;
  bool allow_sign_in = true;
  bool allow_connected_accounts = true;
  absl::Time created_at;
  // The provider's tokens, sealed by the caller with the link id as
  // associated data (bytes); nullopt when the provider gave none.
  std::optional<std::string> access_token_sealed;
  std::optional<std::string> refresh_token_sealed;
  std::optional<absl::Time> access_token_expires_at;
  std::vector<std::string> granted_scopes;
};

// The provider tokens of one link, as stored by
// OAuthAccountRepository::UpdateTokens.
struct OAuthAccountTokens {
  std::optional<std::string> access_token_sealed;
  std::optional<std::string> refresh_token_sealed;
  std::optional<absl::Time> access_token_expires_at;
  std::vector<std::string> granted_scopes;
};

struct PasskeyRecord {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string credential_id;  // base64url, as WebAuthn sends it.
  std::string public_key;     // COSE key bytes.
  int64_t sign_count = 0;
  std::string transports_json = "[]";
  absl::Time created_at;
  std::optional<absl::Time> last_used_at;
};

// ---- Sessions and codes ----------------------------------------------------

// One refresh token. Rotation (when a project turns it on) replaces a
// token with a new row of the same family and the next counter, and stamps
// the old row's rotated_at; presenting a rotated token again is reuse.
struct SessionRecord {
  std::string id;  // The access token's refresh_token_id.
  std::string project_id;
  std::string user_id;
  std::string refresh_token_hash;
  bool is_impersonation = false;
  std::string rotation_family_id;  // The first session id of the family.
  int64_t rotation_counter = 0;
  absl::Time created_at;
  std::optional<absl::Time> last_used_at;
  std::optional<absl::Time> expires_at;  // nullopt: never expires.
  std::optional<absl::Time> rotated_at;
};

// A one-time code (email verification, sign-in, password reset, MFA
// attempt, passkey challenge): only its hash is stored.
struct VerificationCodeRecord {
  std::string id;
  std::string project_id;
  std::string purpose;
  std::string code_hash;
  // A second way to find the code (e.g. the hash of OTP + nonce).
  std::optional<std::string> secondary_code_hash;
  std::optional<std::string> user_id;
  std::optional<std::string> email;
  std::string data_json = "{}";
  int attempt_count = 0;
  int max_attempts = 20;
  absl::Time created_at;
  absl::Time expires_at;
  std::optional<absl::Time> used_at;
};

// ---- Teams and permissions -------------------------------------------------

struct TeamRecord {
  std::string id;
  std::string project_id;
  std::string display_name;
  std::optional<std::string> profile_image_url;
  std::string client_metadata_json = "null";
  std::string client_read_only_metadata_json = "null";
  std::string server_metadata_json = "null";
  absl::Time created_at;
};

struct TeamMemberRecord {
  std::string project_id;
  std::string team_id;
  std::string user_id;
  // The member's per-team profile.
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  absl::Time created_at;
};

struct TeamInvitationRecord {
  std::string id;
  std::string project_id;
  std::string team_id;
  std::string recipient_email;
  std::string code_hash;
  std::optional<std::string> invited_by_user_id;
  absl::Time created_at;
  absl::Time expires_at;
  std::optional<absl::Time> accepted_at;
};

enum class PermissionScope { kTeam, kProject };

// A permission and the ids it directly contains (same scope). System
// permissions ("$update_team", ...) are stored as definitions too, so that
// containment edges can point at them.
struct PermissionDefinitionRecord {
  std::string project_id;
  PermissionScope scope = PermissionScope::kTeam;
  std::string permission_id;
  std::optional<std::string> description;
  std::vector<std::string> contained_permission_ids;  // Sorted on read.
  absl::Time created_at;
};

struct ContainmentEdge {
  std::string parent_id;
  std::string child_id;
};

struct TeamPermissionGrantRecord {
  std::string project_id;
  std::string team_id;
  std::string user_id;
  std::string permission_id;
  absl::Time created_at;
};

struct ProjectPermissionGrantRecord {
  std::string project_id;
  std::string user_id;
  std::string permission_id;
  absl::Time created_at;
};

// ---- Audit log -------------------------------------------------------------

struct AuditEventRecord {
  std::string id;
  std::string project_id;
  absl::Time occurred_at;
  std::string event_type;                    // e.g. "user.signed_in".
  std::optional<std::string> actor_user_id;  // Kept after the user is gone.
  std::optional<std::string> subject_type;
  std::optional<std::string> subject_id;
  std::optional<std::string> ip_address;
  std::string data_json = "{}";
};

}  // namespace latchkey::storage

#endif  // STORAGE_RECORDS_H_
