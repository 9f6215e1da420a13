#include "service/core/permission_catalog.h"

#include <map>
#include <utility>

#include "common/status_macros.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using Kind = PermissionGraph::Verdict::Kind;

absl::StatusOr<PermissionGraph> CompileScope(storage::Repositories& repos,
                                             std::string_view project_id,
                                             storage::PermissionScope scope) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<storage::PermissionDefinitionRecord> definitions,
      repos.permissions().ListDefinitions(project_id, scope));
  std::vector<std::string> ids;
  std::vector<storage::ContainmentEdge> edges;
  for (storage::PermissionDefinitionRecord& d : definitions) {
    for (std::string& child : d.contained_permission_ids) {
      edges.push_back({d.permission_id, std::move(child)});
    }
    ids.push_back(std::move(d.permission_id));
  }
  return PermissionGraph::Compile(std::move(ids), edges);
}

// The direct grants of one user in one team (or at project scope).
absl::StatusOr<std::vector<std::string>> DirectGrants(
    storage::Repositories& repos, std::string_view project_id,
    const std::optional<std::string>& team_id, std::string_view user_id) {
  std::vector<std::string> out;
  if (team_id.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::TeamPermissionGrantRecord> grants,
        repos.permissions().ListTeamGrants(project_id, *team_id, user_id));
    for (auto& g : grants) out.push_back(std::move(g.permission_id));
  } else {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::vector<storage::ProjectPermissionGrantRecord> grants,
        repos.permissions().ListProjectGrants(project_id, user_id));
    for (auto& g : grants) out.push_back(std::move(g.permission_id));
  }
  return out;
}

// Why a user holds nothing in a team or project: they are not a member, or
// the team or the user does not exist. Only asked on refusals.
absl::StatusOr<std::string_view> RefusalReason(
    storage::Repositories& repos, std::string_view project_id,
    const std::optional<std::string>& team_id, std::string_view user_id) {
  if (team_id.has_value()) {
    absl::Status member =
        repos.teams().GetMember(project_id, *team_id, user_id).status();
    if (member.ok()) return kReasonNotGranted;
    if (!absl::IsNotFound(member)) return member;
    absl::Status team = repos.teams().Get(project_id, *team_id).status();
    if (absl::IsNotFound(team)) return kReasonUnknownTeam;
    LATCHKEY_RETURN_IF_ERROR(team);
  }
  absl::Status user = repos.users().Get(project_id, user_id).status();
  if (absl::IsNotFound(user)) return kReasonUnknownUser;
  LATCHKEY_RETURN_IF_ERROR(user);
  return team_id.has_value() ? kReasonNotAMember : kReasonNotGranted;
}

}  // namespace

PermissionCatalog::PermissionCatalog(storage::Database& database,
                                     const common::Clock& clock,
                                     absl::Duration ttl)
    : database_(database), clock_(clock), ttl_(ttl) {}

absl::StatusOr<std::shared_ptr<const CompiledPermissions>>
PermissionCatalog::Load(std::string_view project_id) {
  auto compiled = std::make_shared<CompiledPermissions>();
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            compiled->team,
            CompileScope(repos, project_id, storage::PermissionScope::kTeam));
        LATCHKEY_ASSIGN_OR_RETURN(
            compiled->project,
            CompileScope(repos, project_id,
                         storage::PermissionScope::kProject));
        return absl::OkStatus();
      }));
  return std::shared_ptr<const CompiledPermissions>(std::move(compiled));
}

absl::StatusOr<std::shared_ptr<const CompiledPermissions>>
PermissionCatalog::Get(std::string_view project_id) {
  const std::string key(project_id);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[key];
    const bool fresh =
        entry.compiled != nullptr && clock_.Now() - entry.fetched_at < ttl_;
    if (fresh) return entry.compiled;
    // Someone is reloading: the previous compilation is at most one reload
    // older than the TTL promises.
    if (entry.loading && entry.compiled != nullptr) return entry.compiled;
    entry.loading = true;
    generation = entry.generation;
  }
  // Read before the clock, so the entry never claims to be newer than the
  // data it holds.
  const absl::Time started = clock_.Now();
  absl::StatusOr<std::shared_ptr<const CompiledPermissions>> loaded =
      Load(project_id);
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = entries_[key];
  if (entry.generation != generation) {
    // Invalidated meanwhile: our read may predate the change; do not keep it.
    return loaded;
  }
  entry.loading = false;
  if (loaded.ok()) {
    entry.compiled = *loaded;
    entry.fetched_at = started;
  }
  return loaded;
}

void PermissionCatalog::Invalidate(std::string_view project_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = entries_[std::string(project_id)];
  entry.compiled = nullptr;
  entry.loading = false;
  ++entry.generation;
}

absl::StatusOr<std::vector<PermissionAnswer>> PermissionCatalog::Check(
    std::string_view project_id, const std::vector<PermissionQuery>& queries) {
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledPermissions> compiled,
                            Get(project_id));
  std::vector<PermissionAnswer> answers(queries.size());
  // What one (team, user) pair holds, read once per call.
  struct Subject {
    std::optional<std::vector<std::string>> grants;
    std::optional<std::string_view> refusal;
  };
  std::map<std::pair<std::optional<std::string>, std::string>, Subject>
      subjects;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        for (size_t i = 0; i < queries.size(); ++i) {
          const PermissionQuery& query = queries[i];
          PermissionAnswer& answer = answers[i];
          const PermissionGraph& graph =
              query.team_id.has_value() ? compiled->team : compiled->project;
          if (!graph.IsDefined(query.permission_id)) {
            answer.reason = kReasonUnknownPermission;
            continue;
          }
          Subject& subject = subjects[{query.team_id, query.user_id}];
          if (!subject.grants.has_value()) {
            LATCHKEY_ASSIGN_OR_RETURN(
                subject.grants,
                DirectGrants(repos, project_id, query.team_id, query.user_id));
          }
          PermissionGraph::Verdict verdict =
              graph.Evaluate(*subject.grants, query.permission_id);
          if (verdict.kind == Kind::kGranted) {
            answer.allowed = true;
            answer.reason = kReasonGranted;
            continue;
          }
          if (verdict.kind == Kind::kContained) {
            answer.allowed = true;
            answer.reason = kReasonContained;
            answer.via_permission_id = std::move(verdict.via);
            continue;
          }
          if (!subject.grants->empty()) {
            // Holding any grant proves the membership and the user.
            answer.reason = kReasonNotGranted;
            continue;
          }
          if (!subject.refusal.has_value()) {
            LATCHKEY_ASSIGN_OR_RETURN(
                subject.refusal,
                RefusalReason(repos, project_id, query.team_id, query.user_id));
          }
          answer.reason = *subject.refusal;
        }
        return absl::OkStatus();
      }));
  return answers;
}

absl::Status RequireTeamPermission(storage::Repositories& repos,
                                   const CompiledPermissions& compiled,
                                   std::string_view project_id,
                                   std::string_view team_id,
                                   std::string_view user_id,
                                   std::string_view permission_id) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::vector<storage::TeamPermissionGrantRecord> grants,
      repos.permissions().ListTeamGrants(project_id, team_id, user_id));
  std::vector<std::string> ids;
  for (auto& g : grants) ids.push_back(std::move(g.permission_id));
  const PermissionGraph::Verdict verdict =
      compiled.team.Evaluate(ids, permission_id);
  if (verdict.kind == Kind::kGranted || verdict.kind == Kind::kContained) {
    return absl::OkStatus();
  }
  if (ids.empty()) {
    absl::Status member =
        repos.teams().GetMember(project_id, team_id, user_id).status();
    if (absl::IsNotFound(member)) {
      return ApiError(identity::v1::TEAM_MEMBERSHIP_NOT_FOUND,
                      {{"team_id", std::string(team_id)},
                       {"user_id", std::string(user_id)}});
    }
    LATCHKEY_RETURN_IF_ERROR(member);
  }
  return ApiError(identity::v1::TEAM_PERMISSION_REQUIRED,
                  {{"team_id", std::string(team_id)},
                   {"user_id", std::string(user_id)},
                   {"permission_id", std::string(permission_id)}});
}

}  // namespace latchkey::service::core
