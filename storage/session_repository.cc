#include "storage/session_repository.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/repository_util.h"
#include "storage/user_view_sql.h"

namespace latchkey::storage {
namespace {

// The session's columns, each name prefixed with `table` ("" or "s.").
#define LK_SESSION_COLUMNS_OF(table)                            \
  table "id, " table "project_id, " table "user_id, " table     \
        "refresh_token_hash, " table "is_impersonation, " table \
        "rotation_family_id, " table "rotation_counter, " table \
        "created_at_us, " table "last_used_at_us, " table       \
        "expires_at_us, " table "rotated_at_us"
#define LK_SESSION_COLUMNS LK_SESSION_COLUMNS_OF("")
constexpr size_t kSessionColumnCount = 11;

SessionRecord ReadSession(const SqlRow& row) {
  SessionRecord s;
  s.id = row.Text(0);
  s.project_id = row.Text(1);
  s.user_id = row.Text(2);
  s.refresh_token_hash = row.Text(3);
  s.is_impersonation = row.Bool(4);
  s.rotation_family_id = row.Text(5);
  s.rotation_counter = row.Int(6);
  s.created_at = row.Time(7);
  s.last_used_at = row.OptionalTime(8);
  s.expires_at = row.OptionalTime(9);
  s.rotated_at = row.OptionalTime(10);
  return s;
}

absl::StatusOr<SessionRecord> ReadOne(absl::StatusOr<SqlResult> result,
                                      std::string_view id) {
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return NotFound("session", id);
  return ReadSession(result->rows[0]);
}

}  // namespace

absl::Status SessionRepository::Create(const SessionRecord& s) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO sessions (" LK_SESSION_COLUMNS
                  ") SELECT $1, project_id, id, $4, $5, $6, $7, $8, $9, $10,"
                  " $11 FROM users WHERE project_id = $2 AND id = $3",
                  {s.id, s.project_id, s.user_id, s.refresh_token_hash,
                   s.is_impersonation, s.rotation_family_id, s.rotation_counter,
                   s.created_at, s.last_used_at, s.expires_at, s.rotated_at}));
  return RequireAffected(result, "user", s.user_id);
}

absl::StatusOr<SessionRecord> SessionRepository::Get(
    std::string_view project_id, std::string_view session_id) {
  return ReadOne(ex_.Execute("SELECT " LK_SESSION_COLUMNS " FROM sessions"
                             " WHERE project_id = $1 AND id = $2",
                             {project_id, session_id}),
                 session_id);
}

absl::StatusOr<SessionWithUser> SessionRepository::FindByTokenHashWithUser(
    std::string_view token_hash) {
  static const std::string* const kSql = new std::string(
      absl::StrCat("SELECT " LK_SESSION_COLUMNS_OF("s.") ", ",
                   common::Absl(kUserViewColumns),
                   " FROM sessions s JOIN users u"
                   " ON u.project_id = s.project_id AND u.id = s.user_id",
                   common::Absl(kUserViewPrimaryEmailJoin),
                   "WHERE s.refresh_token_hash = $1"));
  LATCHKEY_ASSIGN_OR_RETURN(SqlResult result, ex_.Execute(*kSql, {token_hash}));
  // Sessions go with their user (ON DELETE CASCADE): no row is no session.
  // The hash itself is not echoed into errors.
  if (result.rows.empty())
    return NotFound("session", "with this refresh token");
  const SqlRow& row = result.rows[0];
  return SessionWithUser{ReadSession(row),
                         ReadUserView(row, kSessionColumnCount)};
}

absl::StatusOr<std::vector<SessionRecord>> SessionRepository::ListActiveForUser(
    std::string_view project_id, std::string_view user_id, absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_SESSION_COLUMNS " FROM sessions"
                  " WHERE project_id = $1 AND user_id = $2"
                  " AND rotated_at_us IS NULL"
                  " AND (expires_at_us IS NULL OR expires_at_us > $3)"
                  " ORDER BY created_at_us DESC, id DESC",
                  {project_id, user_id, now}));
  std::vector<SessionRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadSession(row));
  return out;
}

absl::Status SessionRepository::Touch(std::string_view project_id,
                                      std::string_view session_id,
                                      absl::Time at) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("UPDATE sessions SET last_used_at_us = $3"
                                    " WHERE project_id = $1 AND id = $2",
                                    {project_id, session_id, at}));
  return RequireAffected(result, "session", session_id);
}

absl::Status SessionRepository::Rotate(std::string_view project_id,
                                       std::string_view old_session_id,
                                       const SessionRecord& next,
                                       absl::Time at) {
  // The IS NULL condition makes the update the arbiter between concurrent
  // refreshes of one token: only one of them changes a row.
  LATCHKEY_ASSIGN_OR_RETURN(SqlResult result,
                            ex_.Execute("UPDATE sessions SET rotated_at_us = $3"
                                        " WHERE project_id = $1 AND id = $2"
                                        " AND rotated_at_us IS NULL",
                                        {project_id, old_session_id, at}));
  if (result.affected_rows == 0) {
    LATCHKEY_RETURN_IF_ERROR(Get(project_id, old_session_id).status());
    return absl::AbortedError("the session was rotated already");
  }
  return Create(next);
}

absl::Status SessionRepository::Delete(std::string_view project_id,
                                       std::string_view session_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM sessions WHERE project_id = $1 AND id = $2",
                  {project_id, session_id}));
  return RequireAffected(result, "session", session_id);
}

absl::StatusOr<int64_t> SessionRepository::DeleteFamily(
    std::string_view project_id, std::string_view family_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("DELETE FROM sessions WHERE project_id = $1"
                                    " AND rotation_family_id = $2",
                                    {project_id, family_id}));
  return result.affected_rows;
}

absl::StatusOr<int64_t> SessionRepository::DeleteAllForUser(
    std::string_view project_id, std::string_view user_id,
    std::optional<std::string_view> keep_session_id) {
  absl::StatusOr<SqlResult> result =
      keep_session_id.has_value()
          ? ex_.Execute(
                "DELETE FROM sessions WHERE project_id = $1"
                " AND user_id = $2 AND id <> $3",
                {project_id, user_id, *keep_session_id})
          : ex_.Execute(
                "DELETE FROM sessions WHERE project_id = $1"
                " AND user_id = $2",
                {project_id, user_id});
  if (!result.ok()) return result.status();
  return result->affected_rows;
}

absl::StatusOr<int64_t> SessionRepository::DeleteExpired(absl::Time now) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM sessions WHERE expires_at_us IS NOT NULL"
                  " AND expires_at_us <= $1",
                  {now}));
  return result.affected_rows;
}

}  // namespace latchkey::storage
