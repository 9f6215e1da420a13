#ifndef STORAGE_USER_VIEW_SQL_H_
#define STORAGE_USER_VIEW_SQL_H_

#include <cstddef>
#include <string_view>

#include "storage/records.h"
#include "storage/sql.h"

// How a UserView is read, for the repositories that return one: users, and
// sessions read together with their user (the refresh path, one statement
// instead of two).
namespace latchkey::storage {

// The select list: the user's columns (table alias `u`), then what
// UserView derives (primary email from alias `pe`, and flags).
inline constexpr std::string_view kUserViewColumns =
    "u.id, u.project_id, u.display_name, u.profile_image_url,"
    " u.client_metadata, u.client_read_only_metadata, u.server_metadata,"
    " u.is_anonymous, u.restricted_by_admin, u.restricted_by_admin_reason,"
    " u.restricted_by_admin_private_details, u.selected_team_id,"
    " u.otp_auth_enabled, u.passkey_auth_enabled, u.external_id,"
    " u.country_code, u.risk_score_bot, u.risk_score_free_trial_abuse,"
    " u.signed_up_at_us, u.last_active_at_us,"
    " pe.value, pe.is_verified, pe.used_for_auth,"
    " EXISTS (SELECT 1 FROM password_credentials pc WHERE pc.user_id = u.id),"
    " EXISTS (SELECT 1 FROM totp_secrets ts WHERE ts.user_id = u.id),"
    " EXISTS (SELECT 1 FROM oauth_accounts oa WHERE oa.user_id = u.id)";

// Joins the primary email `pe` to a query that has the user as `u`.
inline constexpr std::string_view kUserViewPrimaryEmailJoin =
    " LEFT JOIN contact_channels pe"
    " ON pe.user_id = u.id AND pe.type = 'email' AND pe.is_primary = TRUE ";

// The UserView in `row`, whose kUserViewColumns start at column `first`.
UserView ReadUserView(const SqlRow& row, size_t first = 0);

}  // namespace latchkey::storage

#endif  // STORAGE_USER_VIEW_SQL_H_
