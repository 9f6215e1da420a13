#include "storage/contact_channel_repository.h"

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_CHANNEL_COLUMNS                                         \
  "id, project_id, user_id, type, value, is_primary, is_verified," \
  " used_for_auth, created_at_us"

ContactChannelRecord ReadChannel(const SqlRow& row) {
  ContactChannelRecord c;
  c.id = row.Text(0);
  c.project_id = row.Text(1);
  c.user_id = row.Text(2);
  c.type = row.Text(3);
  c.value = row.Text(4);
  c.is_primary = row.Bool(5);
  c.is_verified = row.Bool(6);
  c.used_for_auth = row.Bool(7);
  c.created_at = row.Time(8);
  return c;
}

std::vector<ContactChannelRecord> ReadAll(const SqlResult& result) {
  std::vector<ContactChannelRecord> out;
  out.reserve(result.rows.size());
  for (const SqlRow& row : result.rows) out.push_back(ReadChannel(row));
  return out;
}

}  // namespace

absl::Status ContactChannelRepository::Create(const ContactChannelRecord& c) {
  // Inserting through a SELECT on users both checks that the user belongs
  // to the project and turns "no such user" into zero rows (NOT_FOUND)
  // instead of an anonymous foreign-key error.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO contact_channels (" LK_CHANNEL_COLUMNS
                  ") SELECT $1, project_id, id, $4, $5, $6, $7, $8, $9"
                  " FROM users WHERE project_id = $2 AND id = $3",
                  {c.id, c.project_id, c.user_id, c.type, c.value, c.is_primary,
                   c.is_verified, c.used_for_auth, c.created_at}));
  return RequireAffected(result, "user", c.user_id);
}

absl::StatusOr<ContactChannelRecord> ContactChannelRepository::Get(
    std::string_view project_id, std::string_view channel_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CHANNEL_COLUMNS " FROM contact_channels"
                  " WHERE project_id = $1 AND id = $2",
                  {project_id, channel_id}));
  if (result.rows.empty()) return NotFound("contact channel", channel_id);
  return ReadChannel(result.rows[0]);
}

absl::StatusOr<std::vector<ContactChannelRecord>>
ContactChannelRepository::ListForUser(std::string_view project_id,
                                      std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CHANNEL_COLUMNS " FROM contact_channels"
                  " WHERE project_id = $1 AND user_id = $2"
                  " ORDER BY is_primary DESC, created_at_us, id",
                  {project_id, user_id}));
  return ReadAll(result);
}

absl::StatusOr<std::vector<ContactChannelRecord>>
ContactChannelRepository::ListForProject(std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CHANNEL_COLUMNS " FROM contact_channels"
                  " WHERE project_id = $1 ORDER BY created_at_us, id",
                  {project_id}));
  return ReadAll(result);
}

absl::StatusOr<ContactChannelRecord> ContactChannelRepository::FindAuthChannel(
    std::string_view project_id, std::string_view type,
    std::string_view value) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CHANNEL_COLUMNS " FROM contact_channels"
                  " WHERE project_id = $1 AND type = $2 AND value = $3"
                  " AND used_for_auth = TRUE",
                  {project_id, type, value}));
  if (result.rows.empty()) return NotFound("sign-in contact channel", value);
  return ReadChannel(result.rows[0]);
}

absl::StatusOr<std::vector<ContactChannelRecord>>
ContactChannelRepository::ListByValue(std::string_view project_id,
                                      std::string_view type,
                                      std::string_view value) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_CHANNEL_COLUMNS " FROM contact_channels"
                  " WHERE project_id = $1 AND type = $2 AND value = $3"
                  " ORDER BY created_at_us, id",
                  {project_id, type, value}));
  return ReadAll(result);
}

absl::Status ContactChannelRepository::Update(const ContactChannelRecord& c) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE contact_channels SET value = $3, is_primary = $4,"
                  " is_verified = $5, used_for_auth = $6"
                  " WHERE project_id = $1 AND id = $2",
                  {c.project_id, c.id, c.value, c.is_primary, c.is_verified,
                   c.used_for_auth}));
  return RequireAffected(result, "contact channel", c.id);
}

absl::Status ContactChannelRepository::Delete(std::string_view project_id,
                                              std::string_view channel_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM contact_channels WHERE project_id = $1"
                  " AND id = $2",
                  {project_id, channel_id}));
  return RequireAffected(result, "contact channel", channel_id);
}

}  // namespace latchkey::storage
