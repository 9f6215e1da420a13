#include "service/api/user_import.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"
#include "service/json/json_writer.h"
#include "storage/errors.h"

namespace latchkey::service::api {
namespace {

using identity::v1::ImportedUser;
using identity::v1::ImportUserResult;

constexpr char kCreated[] = "created";
constexpr char kUpdated[] = "updated";
constexpr char kFailed[] = "failed";

// One row, checked and converted before any transaction starts.
struct PreparedRow {
  std::optional<std::string> email;
  std::optional<core::PasswordHash> password;
};

absl::StatusOr<PreparedRow> Prepare(const ImportedUser& row, int index) {
  PreparedRow prepared;
  const std::string field = absl::StrCat("body.users[", index, "]");
  if (row.has_primary_email()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        prepared.email,
        core::NormalizeEmail(row.primary_email(),
                             absl::StrCat(field, ".primary_email")));
  }
  if (row.has_password_hash()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        core::PasswordAlgorithm algorithm,
        core::ClassifyImportedPasswordHash(
            row.password_hash(), absl::StrCat(field, ".password_hash")));
    prepared.password = core::PasswordHash{row.password_hash(), algorithm};
  }
  if (row.has_external_id() && row.external_id().empty()) {
    const std::string text =
        absl::StrCat(field, ".external_id must not be empty");
    return ApiError(identity::v1::SCHEMA_ERROR, {{"message", text}}, text);
  }
  return prepared;
}

// The changes that bring an already imported user up to date with `row`:
// only what the row carries.
core::UserChanges ChangesFor(const ImportedUser& row,
                             const PreparedRow& prepared) {
  core::UserChanges changes;
  if (row.has_display_name()) changes.display_name = row.display_name();
  if (row.has_profile_image_url()) {
    changes.profile_image_url = row.profile_image_url();
  }
  if (row.has_client_metadata()) {
    changes.client_metadata_json = ValueToJsonText(row.client_metadata());
  }
  if (row.has_client_read_only_metadata()) {
    changes.client_read_only_metadata_json =
        ValueToJsonText(row.client_read_only_metadata());
  }
  if (row.has_server_metadata()) {
    changes.server_metadata_json = ValueToJsonText(row.server_metadata());
  }
  if (prepared.email.has_value()) {
    changes.primary_email = prepared.email;
    changes.primary_email_verified = row.primary_email_verified();
  }
  if (prepared.password.has_value()) changes.password = prepared.password;
  if (row.has_signed_up_at_millis()) {
    changes.signed_up_at = absl::FromUnixMillis(row.signed_up_at_millis());
  }
  return changes;
}

absl::StatusOr<core::NewUser> NewUserFor(const ImportedUser& row,
                                         const PreparedRow& prepared,
                                         const std::string& project_id,
                                         absl::Time now) {
  core::NewUser user;
  storage::UserRecord& record = user.user;
  LATCHKEY_ASSIGN_OR_RETURN(record.id, crypto::RandomUuidV4());
  record.project_id = project_id;
  if (row.has_display_name()) record.display_name = row.display_name();
  if (row.has_profile_image_url()) {
    record.profile_image_url = row.profile_image_url();
  }
  if (row.has_client_metadata()) {
    record.client_metadata_json = ValueToJsonText(row.client_metadata());
  }
  if (row.has_client_read_only_metadata()) {
    record.client_read_only_metadata_json =
        ValueToJsonText(row.client_read_only_metadata());
  }
  if (row.has_server_metadata()) {
    record.server_metadata_json = ValueToJsonText(row.server_metadata());
  }
  if (row.has_external_id()) record.external_id = row.external_id();
  record.signed_up_at = row.has_signed_up_at_millis()
                            ? absl::FromUnixMillis(row.signed_up_at_millis())
                            : now;
  record.last_active_at = now;
  user.primary_email = prepared.email;
  user.primary_email_verified =
      prepared.email.has_value() && row.primary_email_verified();
  user.password = prepared.password;
  return user;
}

// Imports one row: updates the user with its external id, or creates one.
// Sets `outcome` and `user_id`.
absl::Status ImportRow(AppContext& context, const std::string& project_id,
                       const ImportedUser& row, const PreparedRow& prepared,
                       std::string& outcome, std::string& user_id) {
  const absl::Time now = context.clock.Now();
  auto update_existing = [&](storage::Repositories& repos,
                             bool& found) -> absl::Status {
    found = false;
    if (!row.has_external_id()) return absl::OkStatus();
    absl::StatusOr<storage::UserView> existing =
        repos.users().FindByExternalId(project_id, row.external_id());
    if (existing.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();
    }
    LATCHKEY_RETURN_IF_ERROR(existing.status());
    found = true;
    user_id = existing->user.id;
    return core::UpdateUser(repos, project_id, user_id,
                            ChangesFor(row, prepared), now);
  };
  LATCHKEY_ASSIGN_OR_RETURN(core::NewUser user,
                            NewUserFor(row, prepared, project_id, now));
  absl::Status status = context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        bool found = false;
        LATCHKEY_RETURN_IF_ERROR(update_existing(repos, found));
        if (found) {
          outcome = kUpdated;
          return absl::OkStatus();
        }
        outcome = kCreated;
        user_id = user.user.id;
        return core::CreateUser(repos, user, now);
      });
  if (storage::ViolatedConstraint(status) == "users_external_id_unique") {
    // A concurrent import created it between our lookup and insert: this
    // row is an update of that user.
    status = context.database.RunInTransaction(
        [&](storage::Repositories& repos) -> absl::Status {
          bool found = false;
          LATCHKEY_RETURN_IF_ERROR(update_existing(repos, found));
          outcome = kUpdated;
          return found ? absl::OkStatus()
                       : absl::AbortedError("external id vanished");
        });
  }
  return status;
}

}  // namespace

absl::StatusOr<identity::v1::ImportUsersResponse> ImportUsers(
    AppContext& context, CallContext& call,
    const identity::v1::ImportUsersRequest& request) {
  const std::string& project_id = call.caller().project_id;
  identity::v1::ImportUsersResponse out;
  for (int i = 0; i < request.users_size(); ++i) {
    const ImportedUser& row = request.users(i);
    ImportUserResult* result = out.add_items();
    result->set_index(i);
    std::string outcome;
    std::string user_id;
    absl::StatusOr<PreparedRow> prepared = Prepare(row, i);
    absl::Status status = prepared.status();
    if (status.ok()) {
      status = ImportRow(context, project_id, row, *prepared, outcome, user_id);
    }
    if (status.ok()) {
      result->set_outcome(outcome);
      result->set_user_id(user_id);
      outcome == kCreated ? out.set_created_count(out.created_count() + 1)
                          : out.set_updated_count(out.updated_count() + 1);
      continue;
    }
    std::optional<ApiErrorView> error = ReadApiError(status);
    if (!error.has_value() &&
        status.code() != absl::StatusCode::kAlreadyExists) {
      // Not the row's fault (the database is down, say): stop here.
      return status;
    }
    result->set_outcome(kFailed);
    if (error.has_value()) {
      result->set_error_code(ErrorCodeName(error->code));
      result->set_error_message(error->message);
    } else {
      result->set_error_code(ErrorCodeName(identity::v1::SCHEMA_ERROR));
      result->set_error_message("the row conflicts with an existing user");
    }
    out.set_failed_count(out.failed_count() + 1);
  }
  return out;
}

}  // namespace latchkey::service::api
