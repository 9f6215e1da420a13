// Seeds the data of the permission benchmark (tools/bench/
// permission_bench.sh) into a latchkeyd database, then prints the
// serialized requests the load generator sends.
//
// The data, in project --project: 100 team-scope permission definitions in
// 5 levels of 20 (permission i of a level contains permissions i and i+1
// of the next, so closures are diamonds 15 permissions wide), 10,000 users,
// 100 teams of 100 members (10,000 memberships), each member granted one
// first-level permission.
//
// Output, one per line: "check=<hex>" (a CheckPermissionRequest whose
// answer is "contained": a first-level grant reaching a fifth-level
// permission), "batch=<hex>" (a BatchCheckPermissionsRequest of
// --batch_size checks over different users and teams, half allowed),
// "floor=<hex>" (a check of an undefined permission: answered from the
// compiled view alone, so its cost is that of the call itself and its
// request authentication).
//
// Writes through the storage layer (SQLite or PostgreSQL, as --database
// names) in a few large transactions; safe while latchkeyd runs (it sees
// the definitions within its 2 s catalog TTL).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "identity/v1/team_permission.pb.h"
#include "storage/database.h"

ABSL_FLAG(std::string, database, "", "the database URL latchkeyd uses");
ABSL_FLAG(std::string, project, "internal", "the project to seed");
ABSL_FLAG(int, batch_size, 100, "checks per BatchCheckPermissions request");

namespace latchkey::bench {
namespace {

constexpr int kLevels = 5;
constexpr int kPerLevel = 20;
constexpr int kTeams = 100;
constexpr int kMembersPerTeam = 100;

std::string Permission(int level, int index) {
  return absl::StrFormat("bench:l%d_p%02d", level, index % kPerLevel);
}

std::string Uuid(int kind, int n) {
  return absl::StrFormat("%08x-0000-4000-8000-%012x", 0xbe000000 + kind, n);
}
std::string UserId(int n) { return Uuid(1, n); }
std::string TeamId(int n) { return Uuid(2, n); }

// Member m of team t is user t * kMembersPerTeam + m, granted first-level
// permission (t + m) % kPerLevel.
int GrantedIndex(int team, int member) { return (team + member) % kPerLevel; }

absl::Status Seed(storage::Database& db, const std::string& project) {
  const absl::Time now = absl::Now();
  absl::Status status =
      db.RunInTransaction([&](storage::Repositories& repos) -> absl::Status {
        // Deepest level first, so contained ids exist when referenced.
        for (int level = kLevels - 1; level >= 0; --level) {
          for (int i = 0; i < kPerLevel; ++i) {
            storage::PermissionDefinitionRecord d;
            d.project_id = project;
            d.scope = storage::PermissionScope::kTeam;
            d.permission_id = Permission(level, i);
            d.created_at = now;
            if (level + 1 < kLevels) {
              d.contained_permission_ids = {Permission(level + 1, i),
                                            Permission(level + 1, i + 1)};
            }
            if (auto s = repos.permissions().CreateDefinition(d); !s.ok()) {
              return s;
            }
          }
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (int t = 0; t < kTeams; ++t) {
    status =
        db.RunInTransaction([&](storage::Repositories& repos) -> absl::Status {
          storage::TeamRecord team;
          team.id = TeamId(t);
          team.project_id = project;
          team.display_name = absl::StrCat("Bench team ", t);
          team.created_at = now;
          if (auto s = repos.teams().Create(team); !s.ok()) return s;
          for (int m = 0; m < kMembersPerTeam; ++m) {
            storage::UserRecord user;
            user.id = UserId(t * kMembersPerTeam + m);
            user.project_id = project;
            user.signed_up_at = user.last_active_at = now;
            if (auto s = repos.users().Create(user); !s.ok()) return s;
            if (auto s =
                    repos.teams().AddMember({project, team.id, user.id,
                                             std::nullopt, std::nullopt, now});
                !s.ok()) {
              return s;
            }
            auto granted = repos.permissions().GrantTeamPermission(
                {project, team.id, user.id, Permission(0, GrantedIndex(t, m)),
                 now});
            if (!granted.ok()) return granted.status();
          }
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void AddCheck(identity::v1::CheckPermissionRequest& check, int team, int member,
              bool allowed) {
  check.set_user_id(UserId(team * kMembersPerTeam + member));
  check.set_team_id(TeamId(team));
  // The closure of l0_pK reaches l4_pK .. l4_p(K+4); l4_p(K+10) is outside.
  const int granted = GrantedIndex(team, member);
  check.set_permission_id(
      Permission(kLevels - 1, allowed ? granted + 2 : granted + 10));
}

int Main() {
  const std::string url = absl::GetFlag(FLAGS_database);
  const std::string project = absl::GetFlag(FLAGS_project);
  if (url.empty()) {
    std::fprintf(stderr, "--database is required\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::OpenDatabase(url);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  if (absl::Status seeded = Seed(**db, project); !seeded.ok()) {
    std::fprintf(stderr, "seeding failed: %s\n", seeded.ToString().c_str());
    return 1;
  }
  identity::v1::CheckPermissionRequest check;
  AddCheck(check, 42, 17, /*allowed=*/true);
  identity::v1::BatchCheckPermissionsRequest batch;
  for (int i = 0; i < absl::GetFlag(FLAGS_batch_size); ++i) {
    AddCheck(*batch.add_checks(), (i * 37) % kTeams, (i * 53) % kMembersPerTeam,
             i % 2 == 0);
  }
  identity::v1::CheckPermissionRequest floor = check;
  floor.set_permission_id("bench:undefined");
  std::printf("floor=%s\n",
              absl::BytesToHexString(floor.SerializeAsString()).c_str());
  std::printf("check=%s\n",
              absl::BytesToHexString(check.SerializeAsString()).c_str());
  std::printf("batch=%s\n",
              absl::BytesToHexString(batch.SerializeAsString()).c_str());
  return 0;
}

}  // namespace
}  // namespace latchkey::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return latchkey::bench::Main();
}
