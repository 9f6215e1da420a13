#include "service/api/user_import.h"

#include "service/errors/api_error.h"
#include "service/json/json_writer.h"

namespace latchkey::service::api {

std::vector<core::ImportRow> ImportRowsOf(
    const identity::v1::ImportUsersRequest& request) {
  std::vector<core::ImportRow> rows;
  rows.reserve(request.users_size());
  for (const identity::v1::ImportedUser& user : request.users()) {
    core::ImportRow& row = rows.emplace_back();
    if (user.has_external_id()) row.external_id = user.external_id();
    if (user.has_primary_email()) row.primary_email = user.primary_email();
    row.primary_email_verified = user.primary_email_verified();
    if (user.has_display_name()) row.display_name = user.display_name();
    if (user.has_profile_image_url()) {
      row.profile_image_url = user.profile_image_url();
    }
    if (user.has_client_metadata()) {
      row.client_metadata_json = ValueToJsonText(user.client_metadata());
    }
    if (user.has_client_read_only_metadata()) {
      row.client_read_only_metadata_json =
          ValueToJsonText(user.client_read_only_metadata());
    }
    if (user.has_server_metadata()) {
      row.server_metadata_json = ValueToJsonText(user.server_metadata());
    }
    if (user.has_password_hash()) row.password_hash = user.password_hash();
    if (user.has_signed_up_at_millis()) {
      row.signed_up_at = absl::FromUnixMillis(user.signed_up_at_millis());
    }
  }
  return rows;
}

identity::v1::ImportUsersResponse ImportResponseOf(
    const core::ImportResult& result) {
  identity::v1::ImportUsersResponse out;
  for (size_t i = 0; i < result.rows.size(); ++i) {
    const core::ImportRowResult& row = result.rows[i];
    identity::v1::ImportUserResult* item = out.add_items();
    item->set_index(static_cast<int>(i));
    switch (row.outcome) {
      case core::ImportOutcome::kCreated:
        item->set_outcome("created");
        item->set_user_id(row.user_id);
        break;
      case core::ImportOutcome::kUpdated:
        item->set_outcome("updated");
        item->set_user_id(row.user_id);
        break;
      case core::ImportOutcome::kFailed:
        item->set_outcome("failed");
        item->set_error_code(ErrorCodeName(row.error_code));
        item->set_error_message(row.error_message);
        break;
    }
  }
  out.set_created_count(result.created);
  out.set_updated_count(result.updated);
  out.set_failed_count(result.failed);
  return out;
}

}  // namespace latchkey::service::api
