#include "service/core/users.h"

#include <string_view>
#include <vector>

#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/team_membership.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

constexpr char kEmailChannel[] = "email";

// A write of `email` that hit another user's sign-in channel.
absl::Status EmailTakenOr(const absl::Status& status,
                          const std::string& email) {
  if (storage::ViolatedConstraint(status) == "contact_channels_auth_unique") {
    // Stack sets would_work_if_email_was_verified only for OAuth account
    // merging, which does not apply to a server creating a user.
    return ApiError(
        identity::v1::USER_EMAIL_ALREADY_EXISTS,
        {{"email", email}, {"would_work_if_email_was_verified", "false"}});
  }
  return status;
}

absl::Status IgnoreNotFound(const absl::Status& status) {
  return status.code() == absl::StatusCode::kNotFound ? absl::OkStatus()
                                                      : status;
}

absl::Status CheckRestriction(const storage::UserRecord& user) {
  if (!user.restricted_by_admin &&
      (user.restricted_by_admin_reason.has_value() ||
       user.restricted_by_admin_private_details.has_value())) {
    return SchemaError(
        "restricted_by_admin_reason and restricted_by_admin_private_details "
        "need restricted_by_admin to be true");
  }
  return absl::OkStatus();
}

template <typename T>
void Apply(const Change<T>& change, std::optional<T>& field) {
  if (change.has_value()) field = *change;
}

absl::Status SetPassword(storage::Repositories& repos,
                         const std::string& project_id,
                         const std::string& user_id, const PasswordHash& hash,
                         absl::Time now) {
  return repos.credentials().SetPassword(
      project_id, {user_id, hash.hash,
                   std::string(PasswordAlgorithmName(hash.algorithm)), now});
}

// The primary-email part of UpdateUser.
absl::Status UpdatePrimaryEmail(storage::Repositories& repos,
                                const std::string& project_id,
                                const std::string& user_id,
                                const UserChanges& changes, absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<storage::ContactChannelRecord> channels,
      repos.contact_channels().ListForUser(project_id, user_id));
  std::optional<storage::ContactChannelRecord> primary;
  for (const storage::ContactChannelRecord& channel : channels) {
    if (channel.type == kEmailChannel && channel.is_primary) primary = channel;
  }
  // Stack's rules for a new primary address: the old primary channel is
  // demoted and kept (never deleted or rewritten, so the user keeps the
  // address as a secondary one); one of the user's own channels is promoted
  // as it is; any other address becomes a new channel, unverified and used
  // for sign-in only when primary_email_auth_enabled says so.
  if (changes.primary_email.has_value() &&
      (!primary.has_value() || !changes.primary_email->has_value() ||
       primary->value != **changes.primary_email)) {
    if (primary.has_value()) {
      primary->is_primary = false;
      LATCHKEY_RETURN_IF_ERROR(repos.contact_channels().Update(*primary));
      primary.reset();
    }
    if (changes.primary_email->has_value()) {
      const std::string& email = **changes.primary_email;
      std::optional<storage::ContactChannelRecord> other;
      for (const storage::ContactChannelRecord& channel : channels) {
        if (channel.type == kEmailChannel && channel.value == email) {
          other = channel;
        }
      }
      if (other.has_value()) {
        other->is_primary = true;
        LATCHKEY_RETURN_IF_ERROR(
            EmailTakenOr(repos.contact_channels().Update(*other), email));
        primary = other;
      } else {
        storage::ContactChannelRecord channel;
        LATCHKEY_ASSIGN_OR_RETURN(channel.id, crypto::RandomUuidV4());
        channel.project_id = project_id;
        channel.user_id = user_id;
        channel.value = email;
        channel.is_primary = true;
        channel.used_for_auth =
            changes.primary_email_auth_enabled.value_or(false);
        channel.created_at = now;
        LATCHKEY_RETURN_IF_ERROR(
            EmailTakenOr(repos.contact_channels().Create(channel), email));
        primary = channel;
      }
    }
  }
  if (!changes.primary_email_verified.has_value() &&
      !changes.primary_email_auth_enabled.has_value()) {
    return absl::OkStatus();
  }
  if (!primary.has_value()) {
    if (changes.primary_email_verified.value_or(false) ||
        changes.primary_email_auth_enabled.value_or(false)) {
      return SchemaError(
          "primary_email_verified and primary_email_auth_enabled cannot be "
          "true without a primary_email");
    }
    return absl::OkStatus();
  }
  if (changes.primary_email_verified.has_value()) {
    primary->is_verified = *changes.primary_email_verified;
  }
  if (changes.primary_email_auth_enabled.has_value()) {
    primary->used_for_auth = *changes.primary_email_auth_enabled;
  }
  return EmailTakenOr(repos.contact_channels().Update(*primary),
                      primary->value);
}

}  // namespace

absl::Status UserNotFoundOr(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::USER_NOT_FOUND);
  }
  return status;
}

absl::Status CreateUser(storage::Repositories& repos, const NewUser& user,
                        absl::Time now) {
  const storage::UserRecord& record = user.user;
  if (!user.primary_email.has_value() &&
      (user.primary_email_verified ||
       user.primary_email_auth_enabled.value_or(false))) {
    return SchemaError(
        "primary_email_verified and primary_email_auth_enabled cannot be "
        "true without a primary_email");
  }
  LATCHKEY_RETURN_IF_ERROR(CheckRestriction(record));
  LATCHKEY_RETURN_IF_ERROR(repos.users().Create(record));
  if (user.primary_email.has_value()) {
    storage::ContactChannelRecord channel;
    LATCHKEY_ASSIGN_OR_RETURN(channel.id, crypto::RandomUuidV4());
    channel.project_id = record.project_id;
    channel.user_id = record.id;
    channel.value = *user.primary_email;
    channel.is_primary = true;
    channel.is_verified = user.primary_email_verified;
    channel.used_for_auth = user.primary_email_auth_enabled.value_or(true);
    channel.created_at = now;
    LATCHKEY_RETURN_IF_ERROR(EmailTakenOr(
        repos.contact_channels().Create(channel), *user.primary_email));
  }
  if (user.password.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        SetPassword(repos, record.project_id, record.id, *user.password, now));
  }
  if (user.totp_secret_sealed.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(repos.credentials().SetTotpSecret(
        record.project_id, {record.id, *user.totp_secret_sealed, now}));
  }
  return absl::OkStatus();
}

absl::Status UpdateUser(storage::Repositories& repos,
                        const std::string& project_id,
                        const std::string& user_id, const UserChanges& changes,
                        absl::Time now) {
  absl::StatusOr<storage::UserView> view =
      repos.users().Get(project_id, user_id);
  if (!view.ok()) return UserNotFoundOr(view.status());
  storage::UserRecord user = view->user;
  Apply(changes.display_name, user.display_name);
  Apply(changes.profile_image_url, user.profile_image_url);
  if (changes.client_metadata_json.has_value()) {
    user.client_metadata_json = *changes.client_metadata_json;
  }
  if (changes.client_read_only_metadata_json.has_value()) {
    user.client_read_only_metadata_json =
        *changes.client_read_only_metadata_json;
  }
  if (changes.server_metadata_json.has_value()) {
    user.server_metadata_json = *changes.server_metadata_json;
  }
  if (changes.is_anonymous.has_value()) {
    if (*changes.is_anonymous && !user.is_anonymous) {
      return SchemaError("body.is_anonymous can only be set to false");
    }
    user.is_anonymous = *changes.is_anonymous && user.is_anonymous;
  }
  if (changes.otp_auth_enabled.has_value()) {
    user.otp_auth_enabled = *changes.otp_auth_enabled;
  }
  if (changes.passkey_auth_enabled.has_value()) {
    // Only registering a passkey turns this on; turning it off removes the
    // user's passkeys (as Stack's user update does).
    if (*changes.passkey_auth_enabled && !user.passkey_auth_enabled) {
      return SchemaError(
          "body.passkey_auth_enabled can only be set to false; register a "
          "passkey to enable it");
    }
    if (!*changes.passkey_auth_enabled) {
      LATCHKEY_RETURN_IF_ERROR(
          repos.passkeys().DeleteForUser(project_id, user_id).status());
    }
    user.passkey_auth_enabled = *changes.passkey_auth_enabled;
  }
  Apply(changes.restricted_by_admin_reason, user.restricted_by_admin_reason);
  Apply(changes.restricted_by_admin_private_details,
        user.restricted_by_admin_private_details);
  if (changes.restricted_by_admin.has_value()) {
    user.restricted_by_admin = *changes.restricted_by_admin;
    if (!user.restricted_by_admin) {
      // Lifting a restriction forgets why it was made, unless the same
      // request tried to give a reason (a contradiction, refused below).
      if (!changes.restricted_by_admin_reason.has_value() ||
          !changes.restricted_by_admin_reason->has_value()) {
        user.restricted_by_admin_reason.reset();
      }
      if (!changes.restricted_by_admin_private_details.has_value() ||
          !changes.restricted_by_admin_private_details->has_value()) {
        user.restricted_by_admin_private_details.reset();
      }
    }
  }
  LATCHKEY_RETURN_IF_ERROR(CheckRestriction(user));
  if (changes.selected_team_id.has_value()) {
    if (changes.selected_team_id->has_value()) {
      LATCHKEY_RETURN_IF_ERROR(RequireSelectableTeam(
          repos, project_id, **changes.selected_team_id, user_id));
    }
    user.selected_team_id = *changes.selected_team_id;
  }
  Apply(changes.country_code, user.country_code);
  Apply(changes.external_id, user.external_id);
  if (changes.signed_up_at.has_value())
    user.signed_up_at = *changes.signed_up_at;
  LATCHKEY_RETURN_IF_ERROR(repos.users().Update(user));

  LATCHKEY_RETURN_IF_ERROR(
      UpdatePrimaryEmail(repos, project_id, user_id, changes, now));
  if (changes.password.has_value()) {
    if (changes.password->has_value()) {
      LATCHKEY_RETURN_IF_ERROR(
          SetPassword(repos, project_id, user_id, **changes.password, now));
    } else {
      LATCHKEY_RETURN_IF_ERROR(IgnoreNotFound(
          repos.credentials().DeletePassword(project_id, user_id)));
    }
  }
  if (changes.totp_secret_sealed.has_value()) {
    if (changes.totp_secret_sealed->has_value()) {
      LATCHKEY_RETURN_IF_ERROR(repos.credentials().SetTotpSecret(
          project_id, {user_id, **changes.totp_secret_sealed, now}));
    } else {
      LATCHKEY_RETURN_IF_ERROR(IgnoreNotFound(
          repos.credentials().DeleteTotpSecret(project_id, user_id)));
    }
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
