#include "storage/project_repository.h"

#include <nlohmann/json.hpp>

#include "common/status_macros.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

#define LK_PROJECT_COLUMNS \
  "p.id, p.display_name, p.description, p.created_at_us, p.owner_team_id"

std::vector<ProjectRecord> ReadProjects(const SqlResult& result) {
  std::vector<ProjectRecord> out;
  for (const SqlRow& row : result.rows) {
    out.push_back(ProjectRecord{row.Text(0), row.Text(1), row.OptionalText(2),
                                row.Time(3), row.OptionalText(4)});
  }
  return out;
}

}  // namespace

absl::Status ProjectRepository::Create(const ProjectRecord& p) {
  return ex_
      .Execute(
          "INSERT INTO projects (id, display_name, description,"
          " created_at_us, owner_team_id) VALUES ($1, $2, $3, $4, $5)",
          {p.id, p.display_name, p.description, p.created_at, p.owner_team_id})
      .status();
}

absl::StatusOr<ProjectRecord> ProjectRepository::Get(
    std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PROJECT_COLUMNS " FROM projects p"
                  " WHERE p.id = $1",
                  {project_id}));
  if (result.rows.empty()) return NotFound("project", project_id);
  return ReadProjects(result)[0];
}

absl::StatusOr<std::vector<ProjectRecord>> ProjectRepository::List() {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PROJECT_COLUMNS " FROM projects p"
                  " ORDER BY p.created_at_us, p.id",
                  {}));
  return ReadProjects(result);
}

absl::StatusOr<std::vector<ProjectRecord>> ProjectRepository::ListOwnedByUser(
    std::string_view user_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT " LK_PROJECT_COLUMNS " FROM projects p"
                  " JOIN team_members m ON m.team_id = p.owner_team_id"
                  " WHERE m.user_id = $1 ORDER BY p.created_at_us, p.id",
                  {user_id}));
  return ReadProjects(result);
}

absl::Status ProjectRepository::Update(const ProjectRecord& p) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE projects SET display_name = $2, description = $3,"
                  " owner_team_id = $4 WHERE id = $1",
                  {p.id, p.display_name, p.description, p.owner_team_id}));
  return RequireAffected(result, "project", p.id);
}

absl::Status ProjectRepository::Delete(std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM projects WHERE id = $1", {project_id}));
  return RequireAffected(result, "project", project_id);
}

absl::Status ProjectRepository::SetConfigOverride(
    const ConfigOverrideRecord& o) {
  if (!nlohmann::json::parse(o.override_json, nullptr, false).is_object()) {
    return absl::InvalidArgumentError("config override is not a JSON object");
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO project_config_overrides (project_id, level,"
                  " override_json, updated_at_us) SELECT id, $2, $3, $4"
                  " FROM projects WHERE id = $1"
                  " ON CONFLICT (project_id, level) DO UPDATE SET"
                  " override_json = excluded.override_json,"
                  " updated_at_us = excluded.updated_at_us",
                  {o.project_id, o.level, o.override_json, o.updated_at}));
  return RequireAffected(result, "project", o.project_id);
}

absl::StatusOr<std::vector<ConfigOverrideRecord>>
ProjectRepository::ListConfigOverrides(std::string_view project_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT project_id, level, override_json, updated_at_us"
                  " FROM project_config_overrides WHERE project_id = $1"
                  " ORDER BY level",
                  {project_id}));
  std::vector<ConfigOverrideRecord> out;
  for (const SqlRow& row : result.rows) {
    out.push_back(ConfigOverrideRecord{row.Text(0), row.Text(1), row.Text(2),
                                       row.Time(3)});
  }
  return out;
}

}  // namespace latchkey::storage
