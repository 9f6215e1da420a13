#include "storage/user_view_sql.h"

namespace latchkey::storage {

UserView ReadUserView(const SqlRow& row, size_t first) {
  UserView view;
  UserRecord& u = view.user;
  u.id = row.Text(first);
  u.project_id = row.Text(first + 1);
  u.display_name = row.OptionalText(first + 2);
  u.profile_image_url = row.OptionalText(first + 3);
  u.client_metadata_json = row.Text(first + 4);
  u.client_read_only_metadata_json = row.Text(first + 5);
  u.server_metadata_json = row.Text(first + 6);
  u.is_anonymous = row.Bool(first + 7);
  u.restricted_by_admin = row.Bool(first + 8);
  u.restricted_by_admin_reason = row.OptionalText(first + 9);
  u.restricted_by_admin_private_details = row.OptionalText(first + 10);
  u.selected_team_id = row.OptionalText(first + 11);
  u.otp_auth_enabled = row.Bool(first + 12);
  u.passkey_auth_enabled = row.Bool(first + 13);
  u.external_id = row.OptionalText(first + 14);
  u.country_code = row.OptionalText(first + 15);
  u.risk_score_bot = static_cast<int>(row.Int(first + 16));
  u.risk_score_free_trial_abuse = static_cast<int>(row.Int(first + 17));
  u.signed_up_at = row.Time(first + 18);
  u.last_active_at = row.Time(first + 19);
  view.primary_email = row.OptionalText(first + 20);
  view.primary_email_verified = row.Bool(first + 21);
  view.primary_email_auth_enabled = row.Bool(first + 22);
  view.has_password = row.Bool(first + 23);
  view.has_totp = row.Bool(first + 24);
  view.has_oauth_accounts = row.Bool(first + 25);
  return view;
}

}  // namespace latchkey::storage
