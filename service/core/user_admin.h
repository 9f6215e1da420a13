#ifndef SERVICE_CORE_USER_ADMIN_H_
#define SERVICE_CORE_USER_ADMIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "identity/v1/project.pb.h"
#include "service/core/passwords.h"
#include "service/core/user_details.h"
#include "service/core/users.h"
#include "storage/database.h"

namespace latchkey::service::core {

// A user to create, as an administrator sends it. Metadata is JSON text.
struct CreateUserInput {
  std::string project_id;
  // The project's configuration: password policy and hashing.
  const identity::v1::ProjectConfig* config = nullptr;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  std::optional<std::string> client_metadata_json;
  std::optional<std::string> client_read_only_metadata_json;
  std::optional<std::string> server_metadata_json;
  bool is_anonymous = false;
  bool otp_auth_enabled = false;
  std::optional<std::string> external_id;
  // ISO 3166-1 alpha-2, in capitals.
  std::optional<std::string> country_code;
  // As sent; normalised here.
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  // Unset: false (the address is not used to sign in).
  std::optional<bool> primary_email_auth_enabled;
  // At most one of the two: a password (policy-checked, hashed with
  // argon2id) or an imported hash (bcrypt or argon2id, stored as given).
  std::optional<std::string> password;
  std::optional<std::string> password_hash;
};

// A change of password within an update: a new password, an imported hash,
// or neither (the user no longer has a password).
struct PasswordChange {
  std::optional<std::string> password;
  std::optional<std::string> password_hash;
};

// What an administrator changes about a user.
struct UpdateUserInput {
  std::string project_id;
  const identity::v1::ProjectConfig* config = nullptr;
  std::string user_id;
  // Everything but the members below, which are read from here instead:
  // changes.primary_email (as sent, normalised here), changes.password and
  // changes.totp_secret_sealed are ignored. A set country code is checked.
  UserChanges changes;
  // The primary email as sent.
  Change<std::string> primary_email;
  // A TOTP seed in base64, 10 to 64 bytes; sealed here.
  Change<std::string> totp_secret_base64;
  std::optional<PasswordChange> password;
};

// Users per page: when the caller names none, and at most (a larger limit
// is served as this many, as Stack does).
inline constexpr int kDefaultUsersPerPage = 100;
inline constexpr int kMaxUsersPerPage = 200;

// One page of ListUsers.
struct UserListInput {
  std::string project_id;
  const identity::v1::ProjectConfig* config = nullptr;
  // Only "signed_up_at".
  std::optional<std::string> order_by;
  // kDefaultUsersPerPage when unset; at most kMaxUsersPerPage.
  std::optional<int> limit;
  std::optional<std::string> cursor;
  bool descending = false;
  std::optional<std::string> search;
  bool include_anonymous = false;
  // Unset: restricted users are included.
  std::optional<bool> include_restricted;
  std::optional<std::string> team_id;
};

struct UserList {
  std::vector<UserDetails> users;
  std::optional<std::string> next_cursor;
};

// UserService's flows for trusted back ends and administrators: creating,
// reading, changing, deleting and listing a project's users. Everything slow
// or secret (policy, argon2id, hash shapes, email normalisation, sealing)
// happens before the transaction. Errors: SCHEMA_ERROR naming the field
// for a bad input (a password and a hash together, an anonymous user with
// an email or a password, a bad country code, TOTP seed or cursor, an
// external id another user has), USER_NOT_FOUND, USER_EMAIL_ALREADY_EXISTS
// and users.h's other errors; the database's otherwise. Thread-safe; every
// member must outlive it.
class UserAdmin {
 public:
  // `totp_box` is TotpSecretBox's.
  UserAdmin(storage::Database& database, Passwords& passwords,
            const common::Clock& clock, crypto::SecretBox totp_box)
      : database_(database),
        passwords_(passwords),
        clock_(clock),
        totp_box_(std::move(totp_box)) {}

  absl::StatusOr<UserDetails> Create(const CreateUserInput& input) const;

  // Applies the changes and returns the user as of then. A password
  // change keeps the user's sessions.
  absl::StatusOr<UserDetails> Update(const UpdateUserInput& input) const;

  absl::StatusOr<UserDetails> Get(const std::string& project_id,
                                  const std::string& user_id) const;

  // Deletes the user with everything hanging off it (sessions, channels,
  // credentials, memberships, grants): every refresh token stops at once.
  absl::Status Delete(const std::string& project_id,
                      const std::string& user_id) const;

  // Anonymous users are restricted: asking for them includes restricted
  // users too. When restricted users are left out and the project requires
  // verified emails, users with an unverified primary email are left out
  // as well.
  absl::StatusOr<UserList> List(const UserListInput& input) const;

 private:
  absl::StatusOr<std::optional<PasswordHash>> PreparePassword(
      const identity::v1::ProjectConfig& config, const std::string& project_id,
      const std::optional<std::string>& password,
      const std::optional<std::string>& password_hash) const;

  storage::Database& database_;
  Passwords& passwords_;
  const common::Clock& clock_;
  const crypto::SecretBox totp_box_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_USER_ADMIN_H_
