#include "storage/team_repository.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_TEAM_COLUMNS                                                 \
  "t.id, t.project_id, t.display_name, t.profile_image_url,"            \
  " t.client_metadata, t.client_read_only_metadata, t.server_metadata," \
  " t.created_at_us"

#define LK_MEMBER_COLUMNS                               \
  "m.project_id, m.team_id, m.user_id, m.display_name," \
  " m.profile_image_url, m.created_at_us"

TeamRecord ReadTeam(const SqlRow& row) {
  TeamRecord t;
  t.id = row.Text(0);
  t.project_id = row.Text(1);
  t.display_name = row.Text(2);
  t.profile_image_url = row.OptionalText(3);
  t.client_metadata_json = row.Text(4);
  t.client_read_only_metadata_json = row.Text(5);
  t.server_metadata_json = row.Text(6);
  t.created_at = row.Time(7);
  return t;
}

TeamMemberRecord ReadMember(const SqlRow& row) {
  return TeamMemberRecord{row.Text(0),         row.Text(1),
                          row.Text(2),         row.OptionalText(3),
                          row.OptionalText(4), row.Time(5)};
}

absl::Status ValidateTeam(const TeamRecord& t) {
  LATCHKEY_RETURN_IF_ERROR(
      ValidateJson("client_metadata", t.client_metadata_json));
  LATCHKEY_RETURN_IF_ERROR(ValidateJson("client_read_only_metadata",
                                        t.client_read_only_metadata_json));
  return ValidateJson("server_metadata", t.server_metadata_json);
}

std::vector<TeamRecord> ReadTeams(const SqlResult& result) {
  std::vector<TeamRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadTeam(row));
  return out;
}

std::vector<TeamMemberRecord> ReadMembers(const SqlResult& result) {
  std::vector<TeamMemberRecord> out;
  for (const SqlRow& row : result.rows) out.push_back(ReadMember(row));
  return out;
}

}  // namespace

absl::Status TeamRepository::Create(const TeamRecord& t) {
  LATCHKEY_RETURN_IF_ERROR(ValidateTeam(t));
  return ex_
      .Execute(
          "INSERT INTO teams (id, project_id, display_name,"
          " profile_image_url, client_metadata, client_read_only_metadata,"
          " server_metadata, created_at_us)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {t.id, t.project_id, t.display_name, t.profile_image_url,
           t.client_metadata_json, t.client_read_only_metadata_json,
           t.server_metadata_json, t.created_at})
      .status();
}

absl::StatusOr<TeamRecord> TeamRepository::Get(std::string_view project_id,
                                               std::string_view team_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result, ex_.Execute("SELECT " LK_TEAM_COLUMNS " FROM teams t"
                                    " WHERE t.project_id = $1 AND t.id = $2",
                                    {project_id, team_id}));
  if (result.rows.empty()) return NotFound("team", team_id);
  return ReadTeam(result.rows[0]);
}

absl::StatusOr<std::vector<TeamRecord>> TeamRepository::List(
    std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_TEAM_COLUMNS " FROM teams t"
                  " WHERE t.project_id = $1 ORDER BY t.created_at_us, t.id",
                  {project_id}));
  return ReadTeams(result);
}

absl::StatusOr<std::vector<TeamRecord>> TeamRepository::ListForUser(
    std::string_view project_id, std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_TEAM_COLUMNS " FROM team_members m"
                  " JOIN teams t ON t.id = m.team_id"
                  " WHERE m.user_id = $2 AND t.project_id = $1"
                  " ORDER BY m.created_at_us, t.id",
                  {project_id, user_id}));
  return ReadTeams(result);
}

absl::Status TeamRepository::Update(const TeamRecord& t) {
  LATCHKEY_RETURN_IF_ERROR(ValidateTeam(t));
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE teams SET display_name = $3, profile_image_url = $4,"
                  " client_metadata = $5, client_read_only_metadata = $6,"
                  " server_metadata = $7 WHERE project_id = $1 AND id = $2",
                  {t.project_id, t.id, t.display_name, t.profile_image_url,
                   t.client_metadata_json, t.client_read_only_metadata_json,
                   t.server_metadata_json}));
  return RequireAffected(result, "team", t.id);
}

absl::Status TeamRepository::Delete(std::string_view project_id,
                                    std::string_view team_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM teams WHERE project_id = $1 AND id = $2",
                  {project_id, team_id}));
  return RequireAffected(result, "team", team_id);
}

absl::Status TeamRepository::AddMember(const TeamMemberRecord& m) {
  // Selecting the team and the user in the project proves both exist and
  // belong to it; no row means NOT_FOUND.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO team_members (project_id, team_id, user_id,"
                  " display_name, profile_image_url, created_at_us)"
                  " SELECT t.project_id, t.id, u.id, $4, $5, $6"
                  " FROM teams t JOIN users u ON u.project_id = t.project_id"
                  " WHERE t.project_id = $1 AND t.id = $2 AND u.id = $3",
                  {m.project_id, m.team_id, m.user_id, m.display_name,
                   m.profile_image_url, m.created_at}));
  if (result.affected_rows > 0) return absl::OkStatus();
  LATCHKEY_RETURN_IF_ERROR(Get(m.project_id, m.team_id).status());
  return NotFound("user", m.user_id);
}

absl::StatusOr<TeamMemberRecord> TeamRepository::GetMember(
    std::string_view project_id, std::string_view team_id,
    std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_MEMBER_COLUMNS " FROM team_members m"
                  " WHERE m.project_id = $1 AND m.team_id = $2"
                  " AND m.user_id = $3",
                  {project_id, team_id, user_id}));
  if (result.rows.empty()) {
    return absl::NotFoundError(absl::StrCat("user ", common::Absl(user_id),
                                            " is not a member of team ",
                                            common::Absl(team_id)));
  }
  return ReadMember(result.rows[0]);
}

absl::StatusOr<std::vector<TeamMemberRecord>> TeamRepository::ListMembers(
    std::string_view project_id, std::string_view team_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_MEMBER_COLUMNS " FROM team_members m"
                  " WHERE m.project_id = $1 AND m.team_id = $2"
                  " ORDER BY m.created_at_us, m.user_id",
                  {project_id, team_id}));
  return ReadMembers(result);
}

absl::StatusOr<std::vector<TeamMemberRecord>>
TeamRepository::ListMembershipsOfUser(std::string_view project_id,
                                      std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_MEMBER_COLUMNS " FROM team_members m"
                  " WHERE m.project_id = $1 AND m.user_id = $2"
                  " ORDER BY m.created_at_us, m.team_id",
                  {project_id, user_id}));
  return ReadMembers(result);
}

absl::Status TeamRepository::UpdateMemberProfile(const TeamMemberRecord& m) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE team_members SET display_name = $4,"
                  " profile_image_url = $5 WHERE project_id = $1"
                  " AND team_id = $2 AND user_id = $3",
                  {m.project_id, m.team_id, m.user_id, m.display_name,
                   m.profile_image_url}));
  if (result.affected_rows > 0) return absl::OkStatus();
  return GetMember(m.project_id, m.team_id, m.user_id).status();
}

absl::Status TeamRepository::RemoveMember(std::string_view project_id,
                                          std::string_view team_id,
                                          std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM team_members WHERE project_id = $1"
                  " AND team_id = $2 AND user_id = $3",
                  {project_id, team_id, user_id}));
  if (result.affected_rows == 0) {
    return GetMember(project_id, team_id, user_id).status();
  }
  return ex_
      .Execute(
          "UPDATE users SET selected_team_id = NULL"
          " WHERE project_id = $1 AND id = $3 AND selected_team_id = $2",
          {project_id, team_id, user_id})
      .status();
}

}  // namespace latchkey::storage
