#include "storage/user_repository.h"

#include <cctype>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/repository_util.h"
#include "storage/user_cursor.h"
#include "storage/user_view_sql.h"

namespace latchkey::storage {
namespace {

// SELECT of a UserView by the user's own columns (WHERE follows).
const std::string& ViewSelect() {
  static const std::string* const select = new std::string(
      absl::StrCat("SELECT ", common::Absl(kUserViewColumns), " FROM users u",
                   common::Absl(kUserViewPrimaryEmailJoin)));
  return *select;
}

absl::Status ValidateUser(const UserRecord& user) {
  LATCHKEY_RETURN_IF_ERROR(
      ValidateJson("client_metadata", user.client_metadata_json));
  LATCHKEY_RETURN_IF_ERROR(ValidateJson("client_read_only_metadata",
                                        user.client_read_only_metadata_json));
  return ValidateJson("server_metadata", user.server_metadata_json);
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

absl::Status UserRepository::Create(const UserRecord& u) {
  LATCHKEY_RETURN_IF_ERROR(ValidateUser(u));
  return ex_
      .Execute(
          "INSERT INTO users (id, project_id, display_name, profile_image_url,"
          " client_metadata, client_read_only_metadata, server_metadata,"
          " is_anonymous, restricted_by_admin, restricted_by_admin_reason,"
          " restricted_by_admin_private_details, selected_team_id,"
          " otp_auth_enabled, passkey_auth_enabled, external_id, country_code,"
          " risk_score_bot, risk_score_free_trial_abuse, signed_up_at_us,"
          " last_active_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
          " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
          {u.id,
           u.project_id,
           u.display_name,
           u.profile_image_url,
           u.client_metadata_json,
           u.client_read_only_metadata_json,
           u.server_metadata_json,
           u.is_anonymous,
           u.restricted_by_admin,
           u.restricted_by_admin_reason,
           u.restricted_by_admin_private_details,
           u.selected_team_id,
           u.otp_auth_enabled,
           u.passkey_auth_enabled,
           u.external_id,
           u.country_code,
           u.risk_score_bot,
           u.risk_score_free_trial_abuse,
           u.signed_up_at,
           u.last_active_at})
      .status();
}

absl::StatusOr<UserView> UserRepository::GetOne(
    std::string_view sql, std::initializer_list<SqlParam> params,
    std::string_view what, std::string_view id) {
  LATCHKEY_ASSIGN_OR_RETURN(SqlResult result, ex_.Execute(sql, params));
  if (result.rows.empty()) return NotFound(what, id);
  return ReadUserView(result.rows[0]);
}

absl::StatusOr<UserView> UserRepository::Get(std::string_view project_id,
                                             std::string_view user_id) {
  static const std::string kSql =
      absl::StrCat(ViewSelect(), "WHERE u.project_id = $1 AND u.id = $2");
  return GetOne(kSql, {project_id, user_id}, "user", user_id);
}

absl::StatusOr<UserView> UserRepository::FindByAuthEmail(
    std::string_view project_id, std::string_view email) {
  static const std::string kSql = absl::StrCat(
      ViewSelect(),
      "WHERE u.project_id = $1 AND u.id = (SELECT c.user_id FROM"
      " contact_channels c WHERE c.project_id = $1 AND c.type = 'email'"
      " AND c.value = $2 AND c.used_for_auth = TRUE)");
  return GetOne(kSql, {project_id, email}, "user with email", email);
}

absl::StatusOr<UserView> UserRepository::FindByExternalId(
    std::string_view project_id, std::string_view external_id) {
  static const std::string kSql = absl::StrCat(
      ViewSelect(), "WHERE u.project_id = $1 AND u.external_id = $2");
  return GetOne(kSql, {project_id, external_id}, "user with external id",
                external_id);
}

absl::Status UserRepository::Update(const UserRecord& u) {
  LATCHKEY_RETURN_IF_ERROR(ValidateUser(u));
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "UPDATE users SET display_name = $3, profile_image_url = $4,"
          " client_metadata = $5, client_read_only_metadata = $6,"
          " server_metadata = $7, is_anonymous = $8, restricted_by_admin = $9,"
          " restricted_by_admin_reason = $10,"
          " restricted_by_admin_private_details = $11, selected_team_id = $12,"
          " otp_auth_enabled = $13, passkey_auth_enabled = $14,"
          " external_id = $15, country_code = $16, risk_score_bot = $17,"
          " risk_score_free_trial_abuse = $18, signed_up_at_us = $19,"
          " last_active_at_us = $20 WHERE id = $1 AND project_id = $2",
          {u.id,
           u.project_id,
           u.display_name,
           u.profile_image_url,
           u.client_metadata_json,
           u.client_read_only_metadata_json,
           u.server_metadata_json,
           u.is_anonymous,
           u.restricted_by_admin,
           u.restricted_by_admin_reason,
           u.restricted_by_admin_private_details,
           u.selected_team_id,
           u.otp_auth_enabled,
           u.passkey_auth_enabled,
           u.external_id,
           u.country_code,
           u.risk_score_bot,
           u.risk_score_free_trial_abuse,
           u.signed_up_at,
           u.last_active_at}));
  return RequireAffected(result, "user", u.id);
}

absl::Status UserRepository::TouchLastActive(std::string_view project_id,
                                             std::string_view user_id,
                                             absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("UPDATE users SET last_active_at_us = $3"
                                    " WHERE id = $2 AND project_id = $1",
                                    {project_id, user_id, at}));
  return RequireAffected(result, "user", user_id);
}

absl::Status UserRepository::Delete(std::string_view project_id,
                                    std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM users WHERE id = $2 AND project_id = $1",
                  {project_id, user_id}));
  return RequireAffected(result, "user", user_id);
}

absl::StatusOr<UserPage> UserRepository::List(std::string_view project_id,
                                              const UserListQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("page size ", query.limit, " is outside 1..1000"));
  }
  // The SQL is assembled from fixed fragments chosen by which filters are
  // set; every value is a bound parameter.
  SqlParams params;
  auto bind = [&](SqlParam p) {
    params.push_back(std::move(p));
    return absl::StrCat("$", params.size());
  };
  std::string sql =
      absl::StrCat(ViewSelect(), "WHERE u.project_id = ", bind(project_id));
  if (!query.include_anonymous)
    absl::StrAppend(&sql, " AND u.is_anonymous = FALSE");
  if (!query.include_restricted_by_admin) {
    absl::StrAppend(&sql, " AND u.restricted_by_admin = FALSE");
  }
  if (query.require_verified_primary_email) {
    absl::StrAppend(&sql, " AND pe.is_verified = TRUE");
  }
  if (query.team_id.has_value()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM team_members tm WHERE"
                    " tm.user_id = u.id AND tm.team_id = ",
                    bind(*query.team_id), ")");
  }
  if (query.search.has_value() && !query.search->empty()) {
    const std::string pattern =
        absl::StrCat("%", EscapeLikePattern(LowerAscii(*query.search)), "%");
    const std::string p = bind(pattern);
    absl::StrAppend(&sql, " AND (LOWER(pe.value) LIKE ", p,
                    " ESCAPE '\\' OR LOWER(u.display_name) LIKE ", p,
                    " ESCAPE '\\')");
  }
  const char* op = query.descending ? "<" : ">";
  const char* dir = query.descending ? "DESC" : "ASC";
  if (query.cursor.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(UserCursor cursor,
                              DecodeUserCursor(*query.cursor));
    if (cursor.descending != query.descending) {
      return absl::InvalidArgumentError(
          "the cursor was made for the other sort direction");
    }
    const std::string at = bind(cursor.signed_up_at);
    const std::string id = bind(cursor.user_id);
    absl::StrAppend(&sql, " AND (u.signed_up_at_us, u.id) ", op, " (", at, ", ",
                    id, ")");
  }
  // One extra row tells whether another page follows.
  absl::StrAppend(&sql, " ORDER BY u.signed_up_at_us ", dir, ", u.id ", dir,
                  " LIMIT ", bind(query.limit + 1));
  LATCHKEY_ASSIGN_OR_RETURN(SqlResult result, ex_.Execute(sql, params));
  UserPage page;
  const size_t limit = static_cast<size_t>(query.limit);
  for (size_t i = 0; i < result.rows.size() && i < limit; ++i) {
    page.users.push_back(ReadUserView(result.rows[i]));
  }
  if (result.rows.size() > limit) {
    const UserRecord& last = page.users.back().user;
    page.next_cursor =
        EncodeUserCursor({last.signed_up_at, last.id, query.descending});
  }
  return page;
}

absl::StatusOr<int64_t> UserRepository::Count(std::string_view project_id,
                                              bool include_anonymous) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      include_anonymous
          ? ex_.Execute("SELECT COUNT(*) FROM users WHERE project_id = $1",
                        {project_id})
          : ex_.Execute("SELECT COUNT(*) FROM users WHERE project_id = $1"
                        " AND is_anonymous = FALSE",
                        {project_id}));
  return result.rows.empty() ? 0 : result.rows[0].Int(0);
}

}  // namespace latchkey::storage
