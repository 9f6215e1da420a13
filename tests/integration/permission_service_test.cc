// Permission definitions, grants, recursive lists and checks over real
// gRPC: deep recursion, diamonds, cycles, revocation and deletion.
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "identity/v1/project.grpc.pb.h"
#include "storage/database.h"
#include "tests/integration/team_fixture.h"

namespace latchkey::testing {
namespace {

namespace v1 = identity::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class PermissionServiceTest : public TeamTest {
 protected:
  void SetUp() override {
    TeamTest::SetUp();
    ann_ = NewUser("Ann");
    team_ = NewTeam("T", "");
    AddMember(team_, ann_);
    // Start from no grants, to see only what each test grants.
    ASSERT_TRUE(Revoke(team_, ann_, "team_member").ok());
  }

  grpc::Status UpdateContained(const std::string& id,
                               const std::vector<std::string>& contained,
                               v1::PermissionDefinition* out = nullptr) {
    grpc::ClientContext context;
    Admin(context);
    v1::UpdatePermissionDefinitionRequest request;
    request.set_permission_id(id);
    for (const auto& c : contained) request.add_contained_permission_ids(c);
    request.mutable_update_mask()->add_paths("contained_permission_ids");
    v1::PermissionDefinition definition;
    return teams().UpdateTeamPermissionDefinition(
        &context, request, out != nullptr ? out : &definition);
  }

  grpc::Status DeleteDefinition(const std::string& id) {
    grpc::ClientContext context;
    Admin(context);
    v1::DeletePermissionDefinitionRequest request;
    request.set_permission_id(id);
    v1::SuccessResponse ok;
    return teams().DeleteTeamPermissionDefinition(&context, request, &ok);
  }

  std::string ann_;
  std::string team_;
};

TEST_F(PermissionServiceTest, RecursionFiveLevelsDeep) {
  ASSERT_TRUE(Define("l4", {}).ok());
  ASSERT_TRUE(Define("l3", {"l4"}).ok());
  ASSERT_TRUE(Define("l2", {"l3"}).ok());
  ASSERT_TRUE(Define("l1", {"l2"}).ok());
  ASSERT_TRUE(Define("l0", {"l1", "$read_members"}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "l0").ok());
  EXPECT_THAT(Permissions(team_, ann_, false), ElementsAre("l0"));
  EXPECT_THAT(Permissions(team_, ann_, true),
              ElementsAre("$read_members", "l0", "l1", "l2", "l3", "l4"));
  v1::CheckPermissionResponse deepest = Check(ann_, team_, "l4");
  EXPECT_TRUE(deepest.allowed());
  EXPECT_EQ(deepest.reason(), "contained");
  EXPECT_EQ(deepest.via_permission_id(), "l0");
  EXPECT_EQ(Check(ann_, team_, "l0").reason(), "granted");
  EXPECT_FALSE(Check(ann_, team_, "l0").has_via_permission_id());
  // Granting a middle level gives only what is below it.
  const std::string bob = NewUser("Bob");
  AddMember(team_, bob);
  ASSERT_TRUE(Grant(team_, bob, "l2").ok());
  EXPECT_TRUE(Check(bob, team_, "l4").allowed());
  EXPECT_EQ(Check(bob, team_, "l1").reason(), "not_granted");
}

TEST_F(PermissionServiceTest, DiamondsExpandOnce) {
  ASSERT_TRUE(Define("bottom", {}).ok());
  ASSERT_TRUE(Define("left", {"bottom"}).ok());
  ASSERT_TRUE(Define("right", {"bottom"}).ok());
  ASSERT_TRUE(Define("top", {"left", "right"}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "top").ok());
  ASSERT_TRUE(Grant(team_, ann_, "left").ok());
  EXPECT_THAT(Permissions(team_, ann_, true),
              ElementsAre("bottom", "left", "right", "top"));
  // Two grants contain "bottom": the first by id is named.
  EXPECT_EQ(Check(ann_, team_, "bottom").via_permission_id(), "left");
  grpc::ClientContext context;
  Server(context);
  v1::ListTeamPermissionsRequest request;
  request.set_user_id(ann_);
  request.set_recursive(true);
  request.set_permission_id("bottom");
  v1::ListTeamPermissionsResponse filtered;
  ASSERT_TRUE(teams().ListTeamPermissions(&context, request, &filtered).ok());
  ASSERT_EQ(filtered.items_size(), 1);
  EXPECT_EQ(filtered.items(0).team_id(), team_);
}

TEST_F(PermissionServiceTest, CyclesAreRefused) {
  ASSERT_TRUE(Define("a", {}).ok());
  ASSERT_TRUE(Define("b", {"a"}).ok());
  ASSERT_TRUE(Define("c", {"b"}).ok());
  WireError error = ErrorOf(UpdateContained("a", {"c"}));
  EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(error.reason, "CONTAINED_PERMISSION_CYCLE");
  EXPECT_EQ(error.details["permission_id"], "c");
  EXPECT_EQ(ErrorOf(UpdateContained("a", {"a"})).reason,
            "CONTAINED_PERMISSION_CYCLE");
  EXPECT_EQ(ErrorOf(Define("self", {"self"})).reason,
            "CONTAINED_PERMISSION_CYCLE");
  // Nothing changed: "a" still contains nothing, and a diamond is fine.
  v1::PermissionDefinition out;
  ASSERT_TRUE(UpdateContained("c", {"a", "b"}, &out).ok());
  EXPECT_THAT(out.contained_permission_ids(), ElementsAre("a", "b"));
  ASSERT_TRUE(Grant(team_, ann_, "a").ok());
  EXPECT_THAT(Permissions(team_, ann_, true), ElementsAre("a"));
}

TEST_F(PermissionServiceTest, RenamingCarriesEdgesAndGrantsAndStaysAcyclic) {
  ASSERT_TRUE(Define("leaf", {}).ok());
  ASSERT_TRUE(Define("mid", {"leaf"}).ok());
  ASSERT_TRUE(Define("root", {"mid"}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "mid").ok());
  grpc::ClientContext context;
  Admin(context);
  v1::UpdatePermissionDefinitionRequest rename;
  rename.set_permission_id("mid");
  rename.set_id("middle");
  v1::PermissionDefinition out;
  ASSERT_TRUE(
      teams().UpdateTeamPermissionDefinition(&context, rename, &out).ok());
  EXPECT_EQ(out.id(), "middle");
  EXPECT_THAT(out.contained_permission_ids(), ElementsAre("leaf"));
  EXPECT_THAT(Permissions(team_, ann_, true), ElementsAre("leaf", "middle"));
  EXPECT_EQ(Check(ann_, team_, "leaf").via_permission_id(), "middle");
  // The renamed permission may not now contain its old parent.
  EXPECT_EQ(ErrorOf(UpdateContained("middle", {"root"})).reason,
            "CONTAINED_PERMISSION_CYCLE");
}

TEST_F(PermissionServiceTest, ConcurrentEditsCannotCloseACycleTogether) {
  for (int round = 0; round < 10; ++round) {
    const std::string a = "race_a" + std::to_string(round);
    const std::string b = "race_b" + std::to_string(round);
    ASSERT_TRUE(Define(a, {}).ok());
    ASSERT_TRUE(Define(b, {}).ok());
    // Both edits start together; each alone is fine, both would be a cycle.
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    grpc::Status a_contains_b, b_contains_a;
    std::thread first([&] {
      start.wait();
      a_contains_b = UpdateContained(a, {b});
    });
    std::thread second([&] {
      start.wait();
      b_contains_a = UpdateContained(b, {a});
    });
    go.set_value();
    first.join();
    second.join();
    EXPECT_NE(a_contains_b.ok(), b_contains_a.ok()) << "round " << round;
    const grpc::Status& refused =
        a_contains_b.ok() ? b_contains_a : a_contains_b;
    EXPECT_EQ(ErrorOf(refused).reason, "CONTAINED_PERMISSION_CYCLE");
  }
}

TEST_F(PermissionServiceTest, DefinitionErrors) {
  ASSERT_TRUE(Define("dup", {}).ok());
  WireError dup = ErrorOf(Define("dup", {}));
  EXPECT_EQ(dup.reason, "PERMISSION_ID_ALREADY_EXISTS");
  EXPECT_EQ(dup.details["permission_id"], "dup");
  EXPECT_EQ(ErrorOf(Define("dup", {}, /*project_scope=*/true)).reason,
            "PERMISSION_ID_ALREADY_EXISTS")
      << "ids are unique across scopes";
  WireError missing = ErrorOf(Define("x", {"nope"}));
  EXPECT_EQ(missing.reason, "CONTAINED_PERMISSION_NOT_FOUND");
  EXPECT_EQ(missing.details["permission_id"], "nope");
  EXPECT_EQ(ErrorOf(Define("Bad-Id", {})).reason, "SCHEMA_ERROR");
  EXPECT_EQ(ErrorOf(Define("$mine", {})).reason, "SCHEMA_ERROR");
  EXPECT_EQ(ErrorOf(UpdateContained("$update_team", {})).reason,
            "SCHEMA_ERROR");
  EXPECT_EQ(ErrorOf(DeleteDefinition("$update_team")).reason, "SCHEMA_ERROR");
  EXPECT_EQ(ErrorOf(DeleteDefinition("never")).reason, "PERMISSION_NOT_FOUND");
  // Project definitions cannot contain team (system) permissions.
  EXPECT_EQ(ErrorOf(Define("p", {"$update_team"}, true)).reason,
            "CONTAINED_PERMISSION_NOT_FOUND");
}

TEST_F(PermissionServiceTest, DefinitionsListSystemFirstAndAreAdminOnly) {
  v1::ListPermissionDefinitionsResponse listed;
  {
    grpc::ClientContext context;
    Admin(context);
    ASSERT_TRUE(
        teams().ListTeamPermissionDefinitions(&context, {}, &listed).ok());
  }
  std::vector<std::string> ids;
  for (const auto& d : listed.items()) ids.push_back(d.id());
  EXPECT_THAT(ids,
              ElementsAre("$delete_team", "$invite_members", "$manage_api_keys",
                          "$read_members", "$remove_members", "$update_team",
                          "team_admin", "team_member"));
  EXPECT_EQ(listed.items(5).description(), "Update the team information");
  {
    grpc::ClientContext context;
    Server(context);
    EXPECT_EQ(
        ErrorOf(teams().ListTeamPermissionDefinitions(&context, {}, &listed))
            .reason,
        "INSUFFICIENT_ACCESS_TYPE");
  }
}

TEST_F(PermissionServiceTest, RevokingAParentRemovesWhatItContained) {
  ASSERT_TRUE(Define("read", {}).ok());
  ASSERT_TRUE(Define("editor", {"read"}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "editor").ok());
  EXPECT_TRUE(Check(ann_, team_, "read").allowed());
  ASSERT_TRUE(Revoke(team_, ann_, "editor").ok());
  v1::CheckPermissionResponse after = Check(ann_, team_, "read");
  EXPECT_FALSE(after.allowed());
  EXPECT_EQ(after.reason(), "not_granted");
  EXPECT_THAT(Permissions(team_, ann_, true), IsEmpty());
  // Revoking what is not held directly.
  ASSERT_TRUE(Grant(team_, ann_, "editor").ok());
  EXPECT_EQ(ErrorOf(Revoke(team_, ann_, "read")).reason,
            "PERMISSION_NOT_FOUND");
}

TEST_F(PermissionServiceTest, DeletingAGrantedDefinition) {
  ASSERT_TRUE(Define("leaf", {}).ok());
  ASSERT_TRUE(Define("doomed", {"leaf"}).ok());
  ASSERT_TRUE(Define("parent", {"doomed"}).ok());
  const std::string bob = NewUser("Bob");
  AddMember(team_, bob);
  ASSERT_TRUE(Revoke(team_, bob, "team_member").ok());
  ASSERT_TRUE(Grant(team_, ann_, "doomed").ok());
  ASSERT_TRUE(Grant(team_, bob, "parent").ok());
  EXPECT_TRUE(Check(bob, team_, "leaf").allowed());
  ASSERT_TRUE(DeleteDefinition("doomed").ok());
  // Ann's grant went with it; Bob's parent no longer reaches the leaf.
  EXPECT_THAT(Permissions(team_, ann_, true), IsEmpty());
  EXPECT_THAT(Permissions(team_, bob, true), ElementsAre("parent"));
  EXPECT_EQ(Check(ann_, team_, "doomed").reason(), "unknown_permission");
  EXPECT_EQ(Check(bob, team_, "leaf").reason(), "not_granted");
}

TEST_F(PermissionServiceTest, GrantErrors) {
  ASSERT_TRUE(Define("proj", {}, /*project_scope=*/true).ok());
  WireError wrong = ErrorOf(Grant(team_, ann_, "proj"));
  EXPECT_EQ(wrong.reason, "WRONG_PERMISSION_SCOPE");
  EXPECT_EQ(wrong.details["permission_id"], "proj");
  EXPECT_EQ(wrong.details["expected_scope"], "team");
  EXPECT_EQ(wrong.details["actual_scope"], "project");
  WireError unknown = ErrorOf(Grant(team_, ann_, "ghost"));
  EXPECT_EQ(unknown.reason, "PERMISSION_NOT_FOUND");
  EXPECT_EQ(unknown.details["permission_id"], "ghost");
  const std::string outsider = NewUser("Out");
  WireError not_member = ErrorOf(Grant(team_, outsider, "team_admin"));
  EXPECT_EQ(not_member.reason, "TEAM_MEMBERSHIP_NOT_FOUND");
  EXPECT_EQ(not_member.details["user_id"], outsider);
  ASSERT_TRUE(Grant(team_, ann_, "team_admin").ok());
  ASSERT_TRUE(Grant(team_, ann_, "team_admin").ok()) << "idempotent";

  // Project scope.
  v1::GrantProjectPermissionRequest project;
  project.set_user_id(ann_);
  project.set_permission_id("team_admin");
  v1::ProjectPermission granted;
  {
    grpc::ClientContext context;
    Server(context);
    WireError error =
        ErrorOf(teams().GrantProjectPermission(&context, project, &granted));
    EXPECT_EQ(error.reason, "WRONG_PERMISSION_SCOPE");
    EXPECT_EQ(error.details["expected_scope"], "project");
  }
  {
    grpc::ClientContext context;
    Server(context);
    project.set_permission_id("proj");
    project.set_user_id("00000000-0000-4000-8000-000000000000");
    EXPECT_EQ(
        ErrorOf(teams().GrantProjectPermission(&context, project, &granted))
            .reason,
        "USER_NOT_FOUND");
  }
  {
    grpc::ClientContext context;
    Server(context);
    project.set_user_id(ann_);
    ASSERT_TRUE(
        teams().GrantProjectPermission(&context, project, &granted).ok());
    EXPECT_EQ(granted.id(), "proj");
  }
  EXPECT_EQ(Check(ann_, "", "proj").reason(), "granted");
  EXPECT_EQ(Check(outsider, "", "proj").reason(), "not_granted");
}

TEST_F(PermissionServiceTest, ClientsListOnlyTheirOwnPermissions) {
  ASSERT_TRUE(Grant(team_, ann_, "team_member").ok());
  const std::string token = TokenOf(ann_);
  v1::ListTeamPermissionsRequest request;
  request.set_user_id("me");
  request.set_recursive(true);
  v1::ListTeamPermissionsResponse response;
  {
    grpc::ClientContext context;
    Client(context, token);
    ASSERT_TRUE(teams().ListTeamPermissions(&context, request, &response).ok());
    EXPECT_EQ(response.items_size(), 3);
  }
  {
    grpc::ClientContext context;
    Client(context, token);
    request.clear_user_id();
    EXPECT_EQ(ErrorOf(teams().ListTeamPermissions(&context, request, &response))
                  .reason,
              "CLIENT_CANNOT_ACCESS_OTHER_USERS");
  }
  {
    grpc::ClientContext context;
    Client(context, token);
    v1::CheckPermissionRequest check;
    check.set_user_id("me");
    check.set_permission_id("x");
    v1::CheckPermissionResponse answer;
    EXPECT_EQ(ErrorOf(teams().CheckPermission(&context, check, &answer)).reason,
              "INSUFFICIENT_ACCESS_TYPE")
        << "checks are for servers";
  }
}

TEST_F(PermissionServiceTest, BatchChecksAnswerInOrder) {
  ASSERT_TRUE(Define("read", {}).ok());
  ASSERT_TRUE(Define("write", {"read"}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "write").ok());
  const std::string bob = NewUser("Bob");
  v1::BatchCheckPermissionsRequest request;
  auto add = [&](const std::string& user, const std::string& team,
                 const std::string& permission) {
    v1::CheckPermissionRequest* check = request.add_checks();
    check->set_user_id(user);
    if (!team.empty()) check->set_team_id(team);
    check->set_permission_id(permission);
  };
  add(ann_, team_, "write");
  add(ann_, team_, "read");
  add(bob, team_, "read");
  add(ann_, team_, "nope");
  add(ann_, "00000000-0000-4000-8000-000000000000", "read");
  add("00000000-0000-4000-8000-000000000000", team_, "read");
  add(ann_, team_, "read");
  v1::BatchCheckPermissionsResponse response;
  {
    grpc::ClientContext context;
    Server(context);
    ASSERT_TRUE(
        teams().BatchCheckPermissions(&context, request, &response).ok());
  }
  std::vector<std::string> reasons;
  for (const auto& r : response.results()) reasons.push_back(r.reason());
  EXPECT_THAT(reasons, ElementsAre("granted", "contained", "not_a_member",
                                   "unknown_permission", "unknown_team",
                                   "unknown_user", "contained"));
  EXPECT_TRUE(response.results(6).allowed());
  // More than 1000 checks are refused before any is answered.
  for (int i = 0; i < 1000; ++i) add(ann_, team_, "read");
  grpc::ClientContext context;
  Server(context);
  WireError error =
      ErrorOf(teams().BatchCheckPermissions(&context, request, &response));
  EXPECT_EQ(error.reason, "SCHEMA_ERROR");
}

TEST_F(PermissionServiceTest, DefinitionChangesAreSeenByTheNextCheck) {
  ASSERT_TRUE(Define("read", {}).ok());
  ASSERT_TRUE(Define("role", {}).ok());
  ASSERT_TRUE(Grant(team_, ann_, "role").ok());
  EXPECT_FALSE(Check(ann_, team_, "read").allowed());
  // No clock advance: this replica invalidated its compiled view.
  ASSERT_TRUE(UpdateContained("role", {"read"}).ok());
  EXPECT_TRUE(Check(ann_, team_, "read").allowed());
  ASSERT_TRUE(UpdateContained("role", {}).ok());
  EXPECT_FALSE(Check(ann_, team_, "read").allowed());
}

TEST_F(PermissionServiceTest, NewProjectsGetTheDefaultDefinitions) {
  auto projects = v1::ProjectService::NewStub(app().Channel());
  grpc::ClientContext context;
  Admin(context);
  v1::CreateProjectRequest request;
  request.set_display_name("Fresh");
  v1::Project project;
  ASSERT_TRUE(projects->CreateProject(&context, request, &project).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(TokenTest::context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    auto list = repos.permissions().ListDefinitions(
                        project.id(), storage::PermissionScope::kTeam);
                    if (!list.ok()) return list.status();
                    for (const auto& d : *list) ids.push_back(d.permission_id);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(ids,
              ElementsAre("$delete_team", "$invite_members", "$manage_api_keys",
                          "$read_members", "$remove_members", "$update_team",
                          "team_admin", "team_member"));
}

}  // namespace
}  // namespace latchkey::testing
