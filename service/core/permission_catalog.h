#ifndef SERVICE_CORE_PERMISSION_CATALOG_H_
#define SERVICE_CORE_PERMISSION_CATALOG_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "service/core/permission_graph.h"
#include "storage/database.h"

namespace latchkey::service::core {

// A project's permission definitions, both scopes, compiled as of one read.
// Immutable; shared by every call that reads it.
struct CompiledPermissions {
  PermissionGraph team;
  PermissionGraph project;

  const PermissionGraph& ForScope(storage::PermissionScope scope) const {
    return scope == storage::PermissionScope::kTeam ? team : project;
  }
};

// One question for CheckPermissions: may `user_id` do `permission_id`, in
// team `team_id` (team scope) or in the project (team_id unset)?
struct PermissionQuery {
  std::string user_id;
  std::optional<std::string> team_id;
  std::string permission_id;
};

// Reasons, as CheckPermissionResponse.reason spells them.
inline constexpr std::string_view kReasonGranted = "granted";
inline constexpr std::string_view kReasonContained = "contained";
inline constexpr std::string_view kReasonNotGranted = "not_granted";
inline constexpr std::string_view kReasonNotAMember = "not_a_member";
inline constexpr std::string_view kReasonUnknownPermission =
    "unknown_permission";
inline constexpr std::string_view kReasonUnknownUser = "unknown_user";
inline constexpr std::string_view kReasonUnknownTeam = "unknown_team";

struct PermissionAnswer {
  bool allowed = false;
  std::string_view reason;  // one of the kReason* constants
  std::optional<std::string> via_permission_id;
};

// The per-process cache of compiled permission graphs, and the permission
// questions answered from it.
//
// Consistency: definitions are read from the database and compiled once
// per project, then served from memory. A definition change made through
// this process is seen by its next call (the writer calls Invalidate after
// committing); one made through another replica is seen within `ttl`
// (2 s by default) plus one reload. Grants and memberships are never
// cached: they are read from the database on every check, so a revocation
// or a removal from a team takes effect on every replica at once.
//
// Reloads are single-flight per project: while one caller reloads an
// expired entry, the others keep answering from the previous compilation.
//
// Thread-safe.
class PermissionCatalog {
 public:
  PermissionCatalog(storage::Database& database, const common::Clock& clock,
                    absl::Duration ttl = absl::Seconds(2));

  // The project's compiled definitions (empty graphs for a project with
  // none, or an unknown one). Returns the database's errors.
  absl::StatusOr<std::shared_ptr<const CompiledPermissions>> Get(
      std::string_view project_id);

  // Drops the cached compilation; a load already running for the project
  // will not store its (possibly older) result.
  void Invalidate(std::string_view project_id);

  // Answers each query, in order. The allowed case costs one indexed read
  // of the user's direct grants (shared by every query for the same user
  // and team) and no graph walk; the reasons for a refusal may cost a few
  // more reads. Unknown users, teams and permissions are answers, not
  // errors. Returns the database's errors.
  absl::StatusOr<std::vector<PermissionAnswer>> Check(
      std::string_view project_id, const std::vector<PermissionQuery>& queries);

 private:
  struct Entry {
    std::shared_ptr<const CompiledPermissions> compiled;
    absl::Time fetched_at;
    uint64_t generation = 0;
    bool loading = false;
  };

  absl::StatusOr<std::shared_ptr<const CompiledPermissions>> Load(
      std::string_view project_id);

  storage::Database& database_;
  const common::Clock& clock_;
  const absl::Duration ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

// For system-permission checks on client calls, inside the caller's
// transaction: OK when `user_id` holds `permission_id` in `team_id`,
// directly or through containment (per `compiled`);
// TEAM_MEMBERSHIP_NOT_FOUND {team_id, user_id} when the user is not a
// member; TEAM_PERMISSION_REQUIRED {team_id, user_id, permission_id} when
// a member lacks it; the repositories' errors.
absl::Status RequireTeamPermission(storage::Repositories& repos,
                                   const CompiledPermissions& compiled,
                                   std::string_view project_id,
                                   std::string_view team_id,
                                   std::string_view user_id,
                                   std::string_view permission_id);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PERMISSION_CATALOG_H_
