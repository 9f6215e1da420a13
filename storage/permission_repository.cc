#include "storage/permission_repository.h"

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "storage/repository_util.h"

namespace latchkey::storage {
namespace {

absl::Status DefinitionNotFound(std::string_view scope, std::string_view id) {
  return absl::NotFoundError(absl::StrCat(common::Absl(scope), " permission ",
                                          common::Absl(id), " is not defined"));
}

}  // namespace

absl::Status PermissionRepository::InsertEdges(
    const PermissionDefinitionRecord& d) {
  const std::string_view scope = ScopeName(d.scope);
  for (const std::string& child : d.contained_permission_ids) {
    // Through a SELECT on the child's definition, so an undefined child is
    // zero rows (named in the error) rather than an anonymous FK failure.
    LATCHKEY_ASSIGN_OR_RETURN(
        SqlResult result,
        ex_.Execute("INSERT INTO permission_containments (project_id, scope,"
                    " parent_id, child_id) SELECT project_id, scope, $3,"
                    " permission_id FROM permission_definitions"
                    " WHERE project_id = $1 AND scope = $2"
                    " AND permission_id = $4",
                    {d.project_id, scope, d.permission_id, child}));
    if (result.affected_rows == 0) return DefinitionNotFound(scope, child);
  }
  return absl::OkStatus();
}

absl::Status PermissionRepository::CreateDefinition(
    const PermissionDefinitionRecord& d) {
  LATCHKEY_RETURN_IF_ERROR(
      ex_.Execute("INSERT INTO permission_definitions (project_id, scope,"
                  " permission_id, description, created_at_us)"
                  " VALUES ($1, $2, $3, $4, $5)",
                  {d.project_id, ScopeName(d.scope), d.permission_id,
                   d.description, d.created_at})
          .status());
  return InsertEdges(d);
}

absl::StatusOr<PermissionDefinitionRecord> PermissionRepository::GetDefinition(
    std::string_view project_id, PermissionScope scope,
    std::string_view permission_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT description, created_at_us FROM"
                  " permission_definitions WHERE project_id = $1"
                  " AND scope = $2 AND permission_id = $3",
                  {project_id, ScopeName(scope), permission_id}));
  if (result.rows.empty()) {
    return DefinitionNotFound(ScopeName(scope), permission_id);
  }
  PermissionDefinitionRecord d;
  d.project_id = std::string(project_id);
  d.scope = scope;
  d.permission_id = std::string(permission_id);
  d.description = result.rows[0].OptionalText(0);
  d.created_at = result.rows[0].Time(1);
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult children,
      ex_.Execute("SELECT child_id FROM permission_containments"
                  " WHERE project_id = $1 AND scope = $2 AND parent_id = $3"
                  " ORDER BY child_id",
                  {project_id, ScopeName(scope), permission_id}));
  for (const SqlRow& row : children.rows) {
    d.contained_permission_ids.push_back(row.Text(0));
  }
  return d;
}

absl::StatusOr<std::vector<PermissionDefinitionRecord>>
PermissionRepository::ListDefinitions(std::string_view project_id,
                                      PermissionScope scope) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT permission_id, description, created_at_us FROM"
                  " permission_definitions WHERE project_id = $1"
                  " AND scope = $2 ORDER BY permission_id",
                  {project_id, ScopeName(scope)}));
  LATCHKEY_ASSIGN_OR_RETURN(std::vector<ContainmentEdge> edges,
                            ListEdges(project_id, scope));
  std::map<std::string, std::vector<std::string>> children;
  for (ContainmentEdge& e : edges) {
    children[e.parent_id].push_back(std::move(e.child_id));
  }
  std::vector<PermissionDefinitionRecord> out;
  for (const SqlRow& row : result.rows) {
    PermissionDefinitionRecord d;
    d.project_id = std::string(project_id);
    d.scope = scope;
    d.permission_id = row.Text(0);
    d.description = row.OptionalText(1);
    d.created_at = row.Time(2);
    auto it = children.find(d.permission_id);
    if (it != children.end()) d.contained_permission_ids = it->second;
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status PermissionRepository::UpdateDefinition(
    std::string_view permission_id, const PermissionDefinitionRecord& d) {
  const std::string_view scope = ScopeName(d.scope);
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("UPDATE permission_definitions SET permission_id = $4,"
                  " description = $5 WHERE project_id = $1 AND scope = $2"
                  " AND permission_id = $3",
                  {d.project_id, scope, permission_id, d.permission_id,
                   d.description}));
  if (result.affected_rows == 0)
    return DefinitionNotFound(scope, permission_id);
  LATCHKEY_RETURN_IF_ERROR(
      ex_.Execute("DELETE FROM permission_containments WHERE project_id = $1"
                  " AND scope = $2 AND parent_id = $3",
                  {d.project_id, scope, d.permission_id})
          .status());
  return InsertEdges(d);
}

absl::Status PermissionRepository::DeleteDefinition(
    std::string_view project_id, PermissionScope scope,
    std::string_view permission_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM permission_definitions WHERE project_id = $1"
                  " AND scope = $2 AND permission_id = $3",
                  {project_id, ScopeName(scope), permission_id}));
  if (result.affected_rows == 0) {
    return DefinitionNotFound(ScopeName(scope), permission_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ContainmentEdge>> PermissionRepository::ListEdges(
    std::string_view project_id, PermissionScope scope) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("SELECT parent_id, child_id FROM permission_containments"
                  " WHERE project_id = $1 AND scope = $2"
                  " ORDER BY parent_id, child_id",
                  {project_id, ScopeName(scope)}));
  std::vector<ContainmentEdge> out;
  for (const SqlRow& row : result.rows) {
    out.push_back(ContainmentEdge{row.Text(0), row.Text(1)});
  }
  return out;
}

absl::StatusOr<bool> PermissionRepository::GrantTeamPermission(
    const TeamPermissionGrantRecord& g) {
  // Joining membership and definition proves both exist; ON CONFLICT makes
  // a repeated grant a no-op instead of an error.
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute(
          "INSERT INTO team_permission_grants (project_id, team_id,"
          " user_id, scope, permission_id, created_at_us)"
          " SELECT m.project_id, m.team_id, m.user_id, d.scope,"
          " d.permission_id, $5 FROM team_members m"
          " JOIN permission_definitions d ON d.project_id ="
          " m.project_id AND d.scope = 'team' AND d.permission_id = $4"
          " WHERE m.project_id = $1 AND m.team_id = $2"
          " AND m.user_id = $3"
          " ON CONFLICT (team_id, user_id, permission_id) DO NOTHING",
          {g.project_id, g.team_id, g.user_id, g.permission_id, g.created_at}));
  if (result.affected_rows > 0) return true;
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult existing,
      ex_.Execute("SELECT 1 FROM team_permission_grants WHERE project_id = $1"
                  " AND team_id = $2 AND user_id = $3 AND permission_id = $4",
                  {g.project_id, g.team_id, g.user_id, g.permission_id}));
  if (!existing.rows.empty()) return false;
  LATCHKEY_RETURN_IF_ERROR(
      GetDefinition(g.project_id, PermissionScope::kTeam, g.permission_id)
          .status());
  return absl::NotFoundError(
      absl::StrCat("user ", g.user_id, " is not a member of team ", g.team_id));
}

absl::Status PermissionRepository::RevokeTeamPermission(
    std::string_view project_id, std::string_view team_id,
    std::string_view user_id, std::string_view permission_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM team_permission_grants WHERE project_id = $1"
                  " AND team_id = $2 AND user_id = $3 AND permission_id = $4",
                  {project_id, team_id, user_id, permission_id}));
  return RequireAffected(result, "team permission grant", permission_id);
}

absl::StatusOr<std::vector<TeamPermissionGrantRecord>>
PermissionRepository::ListTeamGrants(std::string_view project_id,
                                     std::optional<std::string_view> team_id,
                                     std::optional<std::string_view> user_id) {
  SqlParams params = {project_id};
  std::string sql =
      "SELECT project_id, team_id, user_id, permission_id, created_at_us"
      " FROM team_permission_grants WHERE project_id = $1";
  if (team_id.has_value()) {
    params.emplace_back(*team_id);
    absl::StrAppend(&sql, " AND team_id = $", params.size());
  }
  if (user_id.has_value()) {
    params.emplace_back(*user_id);
    absl::StrAppend(&sql, " AND user_id = $", params.size());
  }
  sql += " ORDER BY team_id, user_id, permission_id";
  LATCHKEY_ASSIGN_OR_RETURN(SqlResult result, ex_.Execute(sql, params));
  std::vector<TeamPermissionGrantRecord> out;
  for (const SqlRow& row : result.rows) {
    out.push_back(TeamPermissionGrantRecord{
        row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Time(4)});
  }
  return out;
}

absl::StatusOr<bool> PermissionRepository::GrantProjectPermission(
    const ProjectPermissionGrantRecord& g) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("INSERT INTO project_permission_grants (project_id,"
                  " user_id, scope, permission_id, created_at_us)"
                  " SELECT u.project_id, u.id, d.scope, d.permission_id, $4"
                  " FROM users u JOIN permission_definitions d"
                  " ON d.project_id = u.project_id AND d.scope = 'project'"
                  " AND d.permission_id = $3"
                  " WHERE u.project_id = $1 AND u.id = $2"
                  " ON CONFLICT (user_id, permission_id) DO NOTHING",
                  {g.project_id, g.user_id, g.permission_id, g.created_at}));
  if (result.affected_rows > 0) return true;
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult existing,
      ex_.Execute("SELECT 1 FROM project_permission_grants WHERE"
                  " project_id = $1 AND user_id = $2 AND permission_id = $3",
                  {g.project_id, g.user_id, g.permission_id}));
  if (!existing.rows.empty()) return false;
  LATCHKEY_RETURN_IF_ERROR(
      GetDefinition(g.project_id, PermissionScope::kProject, g.permission_id)
          .status());
  return NotFound("user", g.user_id);
}

absl::Status PermissionRepository::RevokeProjectPermission(
    std::string_view project_id, std::string_view user_id,
    std::string_view permission_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      SqlResult result,
      ex_.Execute("DELETE FROM project_permission_grants WHERE project_id = $1"
                  " AND user_id = $2 AND permission_id = $3",
                  {project_id, user_id, permission_id}));
  return RequireAffected(result, "project permission grant", permission_id);
}

absl::StatusOr<std::vector<ProjectPermissionGrantRecord>>
PermissionRepository::ListProjectGrants(
    std::string_view project_id, std::optional<std::string_view> user_id) {
  absl::StatusOr<SqlResult> result =
      user_id.has_value() ? ex_.Execute(
                                "SELECT project_id, user_id, permission_id,"
                                " created_at_us FROM project_permission_grants"
                                " WHERE project_id = $1 AND user_id = $2"
                                " ORDER BY user_id, permission_id",
                                {project_id, *user_id})
                          : ex_.Execute(
                                "SELECT project_id, user_id, permission_id,"
                                " created_at_us FROM project_permission_grants"
                                " WHERE project_id = $1"
                                " ORDER BY user_id, permission_id",
                                {project_id});
  if (!result.ok()) return result.status();
  std::vector<ProjectPermissionGrantRecord> out;
  for (const SqlRow& row : result->rows) {
    out.push_back(ProjectPermissionGrantRecord{row.Text(0), row.Text(1),
                                               row.Text(2), row.Time(3)});
  }
  return out;
}

}  // namespace latchkey::storage
