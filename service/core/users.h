#ifndef SERVICE_CORE_USERS_H_
#define SERVICE_CORE_USERS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/core/passwords.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Writing users and what hangs off them (primary email, password, TOTP,
// selected team) inside the caller's transaction, shared by UserService
// (create, update, import) and the current-user methods. Everything slow or
// secret (hashing, sealing, email normalisation) happens before: these
// functions only check invariants and write. Stateless; thread-safe.
//
// Errors are catalogue errors (api_error.h): USER_NOT_FOUND,
// USER_EMAIL_ALREADY_EXISTS (another user signs in with that email),
// TEAM_NOT_FOUND, TEAM_MEMBERSHIP_NOT_FOUND, SCHEMA_ERROR (inconsistent
// fields); or the repositories' errors. After an error the caller must
// return it and let the transaction roll back.

// A field that may be left alone (nullopt), cleared (an empty inner
// optional) or set.
template <typename T>
using Change = std::optional<std::optional<T>>;

// A password hash ready to store.
struct PasswordHash {
  std::string hash;
  PasswordAlgorithm algorithm = PasswordAlgorithm::kArgon2id;
};

// A user to create: the row (ids, times and metadata filled in by the
// caller) and its credentials.
struct NewUser {
  storage::UserRecord user;
  // Normalised (emails.h).
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  // Whether the primary email signs in. Unset: yes (Latchkey's default;
  // Stack's is no, but an email nobody can sign in with is rarely meant).
  std::optional<bool> primary_email_auth_enabled;
  std::optional<PasswordHash> password;
  // Sealed (totp_secrets.h).
  std::optional<std::string> totp_secret_sealed;
};

// Inserts the user with its primary email channel, password and TOTP seed.
// SCHEMA_ERROR when verification or sign-in is asked for without an email,
// USER_EMAIL_ALREADY_EXISTS, or a users_external_id_unique ALREADY_EXISTS
// from storage (the caller decides what a taken external id means).
absl::Status CreateUser(storage::Repositories& repos, const NewUser& user,
                        absl::Time now);

// What to change about an existing user; unset members stay as they are.
struct UserChanges {
  Change<std::string> display_name;
  Change<std::string> profile_image_url;
  // JSON text.
  std::optional<std::string> client_metadata_json;
  std::optional<std::string> client_read_only_metadata_json;
  std::optional<std::string> server_metadata_json;
  // Normalised. Set: the primary email becomes this one (the user's other
  // channel with that value is promoted, or the current primary channel
  // takes the new value and becomes unverified, or a channel is created).
  // Cleared: the primary email channel is deleted.
  Change<std::string> primary_email;
  std::optional<bool> primary_email_verified;
  std::optional<bool> primary_email_auth_enabled;
  // Cleared: the user no longer has a password.
  Change<PasswordHash> password;
  // Must be a team the user is a member of.
  Change<std::string> selected_team_id;
  std::optional<bool> otp_auth_enabled;
  std::optional<bool> passkey_auth_enabled;
  // Unrestricting clears the reason and private details; a reason or
  // details on an unrestricted user is a SCHEMA_ERROR.
  std::optional<bool> restricted_by_admin;
  Change<std::string> restricted_by_admin_reason;
  Change<std::string> restricted_by_admin_private_details;
  // Sealed seed; cleared turns TOTP off.
  Change<std::string> totp_secret_sealed;
  Change<std::string> country_code;
  Change<std::string> external_id;
  std::optional<absl::Time> signed_up_at;
  // Only false: an anonymous user becomes a regular one, keeping its id,
  // data and teams (true is a SCHEMA_ERROR: nobody is made anonymous).
  std::optional<bool> is_anonymous;
};

// Applies `changes` to user `user_id` of `project_id`.
absl::Status UpdateUser(storage::Repositories& repos,
                        const std::string& project_id,
                        const std::string& user_id, const UserChanges& changes,
                        absl::Time now);

// USER_NOT_FOUND for storage's NOT_FOUND; other statuses unchanged.
absl::Status UserNotFoundOr(const absl::Status& status);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USERS_H_
