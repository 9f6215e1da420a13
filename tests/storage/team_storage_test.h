#ifndef TESTS_STORAGE_TEAM_STORAGE_TEST_H_
#define TESTS_STORAGE_TEAM_STORAGE_TEST_H_

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/records.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {

// The shared set-up of the team and permission conformance tests: projects
// "p" and "q", users 1 and 2 in "p" and 3 in "q", and helpers to add
// members, define permissions and read team grants back as
// "team/user-suffix/permission".
class TeamStorageTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AddProject("p");
    AddProject("q");
    AddUser("p", Uuid(1), T(1));
    AddUser("p", Uuid(2), T(2));
    AddUser("q", Uuid(3), T(3));
  }

  absl::Status AddMember(const std::string& team, const std::string& user,
                         const std::string& project = "p") {
    return Call([&](Repositories& r) {
      return r.teams().AddMember(
          {project, team, user, std::nullopt, std::nullopt, T(5)});
    });
  }

  absl::Status Define(PermissionScope scope, const std::string& id,
                      std::vector<std::string> contains = {}) {
    PermissionDefinitionRecord d;
    d.project_id = "p";
    d.scope = scope;
    d.permission_id = id;
    d.description = "about " + id;
    d.contained_permission_ids = std::move(contains);
    d.created_at = T(6);
    return db().RunInTransaction(
        [&](Repositories& r) { return r.permissions().CreateDefinition(d); });
  }

  std::vector<std::string> TeamGrantIds(std::optional<std::string> team,
                                        std::optional<std::string> user) {
    auto grants = Call([&](Repositories& r) {
      std::optional<std::string_view> t, u;
      if (team) t = *team;
      if (user) u = *user;
      return r.permissions().ListTeamGrants("p", t, u);
    });
    EXPECT_TRUE(grants.ok()) << grants.status();
    std::vector<std::string> out;
    for (const auto& g : *grants) {
      out.push_back(g.team_id + "/" + g.user_id.substr(30) + "/" +
                    g.permission_id);
    }
    return out;
  }
};

}  // namespace latchkey::storage::testing

#endif  // TESTS_STORAGE_TEAM_STORAGE_TEST_H_
