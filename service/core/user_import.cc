#include "service/core/user_import.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/image_urls.h"
#include "service/core/passwords.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

// One row, checked and converted before any transaction starts.
struct PreparedRow {
  std::optional<std::string> email;
  std::optional<PasswordHash> password;
};

absl::StatusOr<PreparedRow> Prepare(const ImportRow& row, size_t index) {
  PreparedRow prepared;
  const std::string field = absl::StrCat("body.users[", index, "]");
  if (row.primary_email.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        prepared.email, NormalizeEmail(*row.primary_email,
                                       absl::StrCat(field, ".primary_email")));
  }
  if (row.password_hash.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        PasswordAlgorithm algorithm,
        ClassifyImportedPasswordHash(*row.password_hash,
                                     absl::StrCat(field, ".password_hash")));
    prepared.password = PasswordHash{*row.password_hash, algorithm};
  }
  if (row.profile_image_url.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(CheckImageUrl(
        absl::StrCat(field, ".profile_image_url"), *row.profile_image_url));
  }
  if (row.external_id.has_value() && row.external_id->empty()) {
    const std::string text =
        absl::StrCat(field, ".external_id must not be empty");
    return ApiError(identity::v1::SCHEMA_ERROR, {{"message", text}}, text);
  }
  return prepared;
}

// The changes that bring an already imported user up to date with `row`:
// only what the row carries.
UserChanges ChangesFor(const ImportRow& row, const PreparedRow& prepared) {
  UserChanges changes;
  if (row.display_name.has_value()) changes.display_name = row.display_name;
  if (row.profile_image_url.has_value()) {
    changes.profile_image_url = row.profile_image_url;
  }
  changes.client_metadata_json = row.client_metadata_json;
  changes.client_read_only_metadata_json = row.client_read_only_metadata_json;
  changes.server_metadata_json = row.server_metadata_json;
  if (prepared.email.has_value()) {
    changes.primary_email = prepared.email;
    changes.primary_email_verified = row.primary_email_verified;
    // Imported addresses sign in, whether the row creates the user or
    // brings an earlier import up to date.
    changes.primary_email_auth_enabled = true;
  }
  if (prepared.password.has_value()) changes.password = prepared.password;
  changes.signed_up_at = row.signed_up_at;
  return changes;
}

absl::StatusOr<NewUser> NewUserFor(const ImportRow& row,
                                   const PreparedRow& prepared,
                                   const std::string& project_id,
                                   absl::Time now) {
  NewUser user;
  storage::UserRecord& record = user.user;
  LATCHKEY_ASSIGN_OR_RETURN(record.id, crypto::RandomUuidV4());
  record.project_id = project_id;
  record.display_name = row.display_name;
  record.profile_image_url = row.profile_image_url;
  if (row.client_metadata_json.has_value()) {
    record.client_metadata_json = *row.client_metadata_json;
  }
  if (row.client_read_only_metadata_json.has_value()) {
    record.client_read_only_metadata_json = *row.client_read_only_metadata_json;
  }
  if (row.server_metadata_json.has_value()) {
    record.server_metadata_json = *row.server_metadata_json;
  }
  record.external_id = row.external_id;
  record.signed_up_at = row.signed_up_at.value_or(now);
  record.last_active_at = now;
  user.primary_email = prepared.email;
  user.primary_email_verified =
      prepared.email.has_value() && row.primary_email_verified;
  user.password = prepared.password;
  return user;
}

// Imports one row: updates the user with its external id, or creates one.
absl::Status ImportOne(storage::Database& database, absl::Time now,
                       const std::string& project_id, const ImportRow& row,
                       const PreparedRow& prepared, ImportRowResult& result) {
  auto update_existing = [&](storage::Repositories& repos,
                             bool& found) -> absl::Status {
    found = false;
    if (!row.external_id.has_value()) return absl::OkStatus();
    absl::StatusOr<storage::UserView> existing =
        repos.users().FindByExternalId(project_id, *row.external_id);
    if (existing.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();
    }
    LATCHKEY_RETURN_IF_ERROR(existing.status());
    found = true;
    result.user_id = existing->user.id;
    return UpdateUser(repos, project_id, result.user_id,
                      ChangesFor(row, prepared), now);
  };
  LATCHKEY_ASSIGN_OR_RETURN(NewUser user,
                            NewUserFor(row, prepared, project_id, now));
  absl::Status status = database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        bool found = false;
        LATCHKEY_RETURN_IF_ERROR(update_existing(repos, found));
        if (found) {
          result.outcome = ImportOutcome::kUpdated;
          return absl::OkStatus();
        }
        result.outcome = ImportOutcome::kCreated;
        result.user_id = user.user.id;
        return CreateUser(repos, user, now);
      });
  if (storage::ViolatedConstraint(status) == "users_external_id_unique") {
    // A concurrent import created it between our lookup and insert: this
    // row is an update of that user.
    status = database.RunInTransaction(
        [&](storage::Repositories& repos) -> absl::Status {
          bool found = false;
          LATCHKEY_RETURN_IF_ERROR(update_existing(repos, found));
          result.outcome = ImportOutcome::kUpdated;
          return found ? absl::OkStatus()
                       : absl::AbortedError("external id vanished");
        });
  }
  return status;
}

}  // namespace

absl::StatusOr<ImportResult> UserImport::Run(
    const std::string& project_id, const std::vector<ImportRow>& rows) const {
  ImportResult out;
  for (size_t i = 0; i < rows.size(); ++i) {
    ImportRowResult result;
    absl::StatusOr<PreparedRow> prepared = Prepare(rows[i], i);
    absl::Status status = prepared.status();
    if (status.ok()) {
      status = ImportOne(database_, clock_.Now(), project_id, rows[i],
                         *prepared, result);
    }
    if (status.ok()) {
      result.outcome == ImportOutcome::kCreated ? ++out.created : ++out.updated;
      out.rows.push_back(std::move(result));
      continue;
    }
    std::optional<ApiErrorView> error = ReadApiError(status);
    if (!error.has_value() &&
        status.code() != absl::StatusCode::kAlreadyExists) {
      // Not the row's fault (the database is down, say): stop here.
      return status;
    }
    ImportRowResult failed;
    if (error.has_value()) {
      failed.error_code = error->code;
      failed.error_message = error->message;
    } else {
      failed.error_code = identity::v1::SCHEMA_ERROR;
      failed.error_message = "the row conflicts with an existing user";
    }
    ++out.failed;
    out.rows.push_back(std::move(failed));
  }
  return out;
}

}  // namespace latchkey::service::core
