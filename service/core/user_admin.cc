#include "service/core/user_admin.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/image_urls.h"
#include "service/core/personal_team.h"
#include "service/core/totp_secrets.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

absl::Status CheckCountryCode(const std::string& code,
                              absl::string_view field) {
  if (code.size() != 2 || !absl::ascii_isupper(code[0]) ||
      !absl::ascii_isupper(code[1])) {
    return SchemaError(absl::StrCat(
        field, " must be an ISO 3166-1 alpha-2 code in capitals, e.g. \"DE\""));
  }
  return absl::OkStatus();
}

absl::Status ExternalIdTakenOr(const absl::Status& status) {
  if (storage::ViolatedConstraint(status) == "users_external_id_unique") {
    return SchemaError("external_id is already used by another user");
  }
  return status;
}

absl::StatusOr<std::string> SealTotp(const crypto::SecretBox& box,
                                     const std::string& project_id,
                                     const std::string& user_id,
                                     const std::string& base64) {
  absl::StatusOr<std::string> seed = crypto::Base64Decode(common::Std(base64));
  if (!seed.ok() || seed->size() < kMinTotpSecretBytes ||
      seed->size() > kMaxTotpSecretBytes) {
    return SchemaError(absl::StrCat(
        "body.totp_secret_base64 must be base64 of ", kMinTotpSecretBytes,
        " to ", kMaxTotpSecretBytes, " bytes"));
  }
  return SealTotpSecret(box, project_id, user_id, *seed);
}

}  // namespace

// The password part of a create or update: policy and argon2id for a
// password, a shape check for an imported hash. Runs outside any
// transaction (hashing takes tens of milliseconds).
absl::StatusOr<std::optional<PasswordHash>> UserAdmin::PreparePassword(
    const identity::v1::ProjectConfig& config, const std::string& project_id,
    const std::optional<std::string>& password,
    const std::optional<std::string>& password_hash) const {
  if (password.has_value() && password_hash.has_value()) {
    return SchemaError(
        "password and password_hash cannot both be set in one request");
  }
  if (password.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(CheckPasswordPolicy(*password, config));
    LATCHKEY_ASSIGN_OR_RETURN(std::string hash,
                              passwords_.Hash(*password, config, project_id));
    return PasswordHash{std::move(hash), PasswordAlgorithm::kArgon2id};
  }
  if (password_hash.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        PasswordAlgorithm algorithm,
        ClassifyImportedPasswordHash(*password_hash, "body.password_hash"));
    return PasswordHash{*password_hash, algorithm};
  }
  return std::nullopt;
}

absl::StatusOr<UserDetails> UserAdmin::Create(
    const CreateUserInput& input) const {
  const absl::Time now = clock_.Now();
  NewUser user;
  storage::UserRecord& record = user.user;
  LATCHKEY_ASSIGN_OR_RETURN(record.id, crypto::RandomUuidV4());
  record.project_id = input.project_id;
  record.display_name = input.display_name;
  if (input.profile_image_url.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckImageUrl("body.profile_image_url", *input.profile_image_url));
  }
  record.profile_image_url = input.profile_image_url;
  if (input.client_metadata_json.has_value()) {
    record.client_metadata_json = *input.client_metadata_json;
  }
  if (input.client_read_only_metadata_json.has_value()) {
    record.client_read_only_metadata_json =
        *input.client_read_only_metadata_json;
  }
  if (input.server_metadata_json.has_value()) {
    record.server_metadata_json = *input.server_metadata_json;
  }
  record.is_anonymous = input.is_anonymous;
  record.otp_auth_enabled = input.otp_auth_enabled;
  record.external_id = input.external_id;
  if (input.country_code.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckCountryCode(*input.country_code, "body.country_code"));
    record.country_code = input.country_code;
  }
  record.signed_up_at = record.last_active_at = now;

  if (input.primary_email.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        user.primary_email,
        NormalizeEmail(*input.primary_email, "body.primary_email"));
  }
  user.primary_email_verified = input.primary_email_verified;
  // As in Stack, an address an administrator gives a user does not sign in
  // unless asked: it then takes no sign-in address from anyone else.
  user.primary_email_auth_enabled =
      input.primary_email_auth_enabled.value_or(false);
  if (record.is_anonymous &&
      (user.primary_email.has_value() || input.password.has_value() ||
       input.password_hash.has_value())) {
    return SchemaError(
        "an anonymous user cannot have a primary_email or a password");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      user.password, PreparePassword(*input.config, input.project_id,
                                     input.password, input.password_hash));

  absl::StatusOr<UserDetails> out;
  LATCHKEY_RETURN_IF_ERROR(ExternalIdTakenOr(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(CreateUser(repos, user, now));
        auto created = repos.users().Get(input.project_id, record.id);
        if (!created.ok()) return UserNotFoundOr(created.status());
        LATCHKEY_RETURN_IF_ERROR(
            MaybeCreatePersonalTeam(repos, input.project_id, *input.config,
                                    *created, now)
                .status());
        out = ReadUserDetails(repos, input.project_id, record.id);
        return out.status();
      })));
  return out;
}

absl::StatusOr<UserDetails> UserAdmin::Update(
    const UpdateUserInput& input) const {
  UserChanges changes = input.changes;
  changes.primary_email.reset();
  changes.password.reset();
  changes.totp_secret_sealed.reset();
  if (input.primary_email.has_value()) {
    changes.primary_email = std::optional<std::string>();
    if (input.primary_email->has_value()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          *changes.primary_email,
          NormalizeEmail(**input.primary_email, "body.primary_email"));
    }
  }
  if (changes.profile_image_url.has_value() &&
      changes.profile_image_url->has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckImageUrl("body.profile_image_url", **changes.profile_image_url));
  }
  if (changes.country_code.has_value() && changes.country_code->has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckCountryCode(**changes.country_code, "body.country_code"));
  }
  if (input.totp_secret_base64.has_value()) {
    changes.totp_secret_sealed = std::optional<std::string>();
    if (input.totp_secret_base64->has_value()) {
      LATCHKEY_ASSIGN_OR_RETURN(
          *changes.totp_secret_sealed,
          SealTotp(totp_box_, input.project_id, input.user_id,
                   **input.totp_secret_base64));
    }
  }
  if (input.password.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(std::optional<PasswordHash> hash,
                              PreparePassword(*input.config, input.project_id,
                                              input.password->password,
                                              input.password->password_hash));
    // Neither removes the password.
    changes.password = std::move(hash);
  }

  absl::StatusOr<UserDetails> out;
  LATCHKEY_RETURN_IF_ERROR(ExternalIdTakenOr(database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(UpdateUser(
            repos, input.project_id, input.user_id, changes, clock_.Now()));
        out = ReadUserDetails(repos, input.project_id, input.user_id);
        return out.status();
      })));
  return out;
}

absl::StatusOr<UserDetails> UserAdmin::Get(const std::string& project_id,
                                           const std::string& user_id) const {
  absl::StatusOr<UserDetails> out;
  LATCHKEY_RETURN_IF_ERROR(database_.Run([&](storage::Repositories& repos) {
    out = ReadUserDetails(repos, project_id, user_id);
    return out.status();
  }));
  return out;
}

absl::Status UserAdmin::Delete(const std::string& project_id,
                               const std::string& user_id) const {
  // Sessions, channels, credentials, memberships and grants go with the
  // row (ON DELETE CASCADE): every refresh token stops working at once.
  return database_.RunInTransaction([&](storage::Repositories& repos) {
    return UserNotFoundOr(repos.users().Delete(project_id, user_id));
  });
}

absl::StatusOr<UserList> UserAdmin::List(const UserListInput& input) const {
  if (input.order_by.has_value() && *input.order_by != "signed_up_at") {
    return SchemaError("query.order_by must be signed_up_at");
  }
  storage::UserListQuery query;
  query.limit =
      std::min(input.limit.value_or(kDefaultUsersPerPage), kMaxUsersPerPage);
  if (input.cursor.has_value() && !input.cursor->empty()) {
    query.cursor = input.cursor;
  }
  query.descending = input.descending;
  if (input.search.has_value() && !input.search->empty()) {
    query.search = input.search;
  }
  query.include_anonymous = input.include_anonymous;
  // Anonymous users are restricted: asking for them asks for restricted
  // users too, as in Stack.
  const bool include_restricted =
      input.include_anonymous || input.include_restricted.value_or(true);
  query.include_restricted_by_admin = include_restricted;
  query.require_verified_primary_email =
      !include_restricted && input.config->require_email_verification();
  if (input.team_id.has_value() && !input.team_id->empty()) {
    query.team_id = input.team_id;
  }

  UserList out;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserPage> page =
            repos.users().List(input.project_id, query);
        if (!page.ok()) {
          if (page.status().code() == absl::StatusCode::kInvalidArgument) {
            return SchemaError(
                "query.cursor is not a cursor this list handed out for this "
                "order");
          }
          return page.status();
        }
        for (storage::UserView& view : page->users) {
          LATCHKEY_ASSIGN_OR_RETURN(UserDetails details,
                                    ReadUserDetails(repos, std::move(view)));
          out.users.push_back(std::move(details));
        }
        out.next_cursor = page->next_cursor;
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace latchkey::service::core
