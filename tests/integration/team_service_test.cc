// Teams, memberships and member profiles over real gRPC (and REST for the
// status codes): client rules, system permissions, cascades.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/integration/team_fixture.h"

namespace latchkey::testing {
namespace {

namespace v1 = identity::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kAllSystem[][20] = {"$delete_team",     "$invite_members",
                                   "$manage_api_keys", "$read_members",
                                   "$remove_members",  "$update_team"};

class TeamServiceTest : public TeamTest {};

TEST_F(TeamServiceTest, CreatorGetsTeamAdminAndMembersTeamMember) {
  const std::string ann = NewUser("Ann");
  const std::string bob = NewUser("Bob");
  const std::string team = NewTeam("Rocket", ann);
  AddMember(team, bob);
  EXPECT_THAT(Permissions(team, ann, false), ElementsAre("team_admin"));
  std::vector<std::string> expanded(std::begin(kAllSystem),
                                    std::end(kAllSystem));
  expanded.push_back("team_admin");
  EXPECT_EQ(Permissions(team, ann, true), expanded);
  EXPECT_THAT(Permissions(team, bob, false), ElementsAre("team_member"));
  EXPECT_THAT(Permissions(team, bob, true),
              ElementsAre("$invite_members", "$read_members", "team_member"));
}

TEST_F(TeamServiceTest, ServerTeamWithoutCreatorHasNoMembers) {
  const std::string team = NewTeam("Empty", "");
  grpc::ClientContext context;
  Server(context);
  v1::ListTeamMemberProfilesRequest request;
  request.set_team_id(team);
  v1::ListTeamMemberProfilesResponse response;
  ASSERT_TRUE(
      teams().ListTeamMemberProfiles(&context, request, &response).ok());
  EXPECT_EQ(response.items_size(), 0);
}

TEST_F(TeamServiceTest, ClientTeamCreationNeedsTheProjectSetting) {
  const std::string ann = NewUser("Ann");
  const std::string bob = NewUser("Bob");
  const std::string token = TokenOf(ann);
  v1::CreateTeamRequest request;
  request.set_display_name("Mine");
  v1::Team team;
  {
    grpc::ClientContext context;
    Client(context, token);
    EXPECT_EQ(ErrorOf(teams().CreateTeam(&context, request, &team)).reason,
              "CLIENT_TEAM_CREATION_NOT_ENABLED");
  }
  SetConfigOverride(R"({"client_team_creation_enabled": true})");
  {
    grpc::ClientContext context;
    Client(context, token);
    request.set_creator_user_id(bob);
    EXPECT_EQ(ErrorOf(teams().CreateTeam(&context, request, &team)).reason,
              "CLIENT_CANNOT_ACCESS_OTHER_USERS");
  }
  {
    grpc::ClientContext context;
    Client(context, token);
    request.clear_creator_user_id();  // unset: the caller itself
    ASSERT_TRUE(teams().CreateTeam(&context, request, &team).ok());
    EXPECT_FALSE(team.has_server_metadata()) << "client view";
  }
  EXPECT_THAT(Permissions(team.id(), ann, false), ElementsAre("team_admin"));
}

TEST_F(TeamServiceTest, CreateIs201OnRestAndUnknownCreatorRollsBack) {
  const std::string ann = NewUser("Ann");
  const HttpHeaders server = {
      {"x-stack-project-id", "internal"},
      {"x-stack-access-type", "server"},
      {"x-stack-secret-server-key", TestApp::kSecretServerKey},
      {"content-type", "application/json"}};
  HttpResponse created = HttpCall(
      app().http_port(), "POST", "/api/v1/teams",
      R"({"display_name": "Rest", "creator_user_id": ")" + ann + "\"}", server);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["display_name"], "Rest");
  HttpResponse unknown = HttpCall(
      app().http_port(), "POST", "/api/v1/teams",
      R"({"display_name": "Ghost", "creator_user_id": "00000000-0000-4000-8000-000000000000"})",
      server);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.headers["x-stack-known-error"], "USER_NOT_FOUND");
  HttpResponse list =
      HttpCall(app().http_port(), "GET", "/api/v1/teams", "", server);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["items"].size(), 1u)
      << "the ghost team was rolled back";
  EXPECT_EQ(list.Json()["is_paginated"], false);
}

TEST_F(TeamServiceTest, RestGrantOfAPercentEncodedSystemPermission) {
  // Stack's SDK encodes path segments: "$update_team" arrives as %24.
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", "");
  AddMember(team, ann);
  const HttpHeaders server = {
      {"x-stack-project-id", "internal"},
      {"x-stack-access-type", "server"},
      {"x-stack-secret-server-key", TestApp::kSecretServerKey},
      {"content-type", "application/json"}};
  HttpResponse granted = HttpCall(
      app().http_port(), "POST",
      "/api/v1/team-permissions/" + team + "/" + ann + "/%24update_team", "{}",
      server);
  ASSERT_EQ(granted.status, 201) << granted.body;
  EXPECT_EQ(granted.Json()["id"], "$update_team");
  EXPECT_EQ(granted.Json()["team_id"], team);
  HttpResponse listed = HttpCall(app().http_port(), "GET",
                                 "/api/v1/team-permissions?team_id=" + team +
                                     "&user_id=" + ann + "&recursive=false",
                                 "", server);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.Json()["items"].size(), 2u);
  HttpResponse wrong = HttpCall(
      app().http_port(), "DELETE",
      "/api/v1/team-permissions/" + team + "/" + ann + "/nope", "", server);
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(wrong.headers["x-stack-known-error"], "PERMISSION_NOT_FOUND");
  EXPECT_EQ(wrong.Json()["details"]["permission_id"], "nope");
}

TEST_F(TeamServiceTest, ListTeamsIsOwnForClientsAndAllForServers) {
  const std::string ann = NewUser("Ann");
  const std::string bob = NewUser("Bob");
  const std::string a = NewTeam("A", ann);
  NewTeam("B", bob);
  v1::ListTeamsResponse response;
  {
    grpc::ClientContext context;
    Client(context, TokenOf(ann));
    v1::ListTeamsRequest request;
    request.set_user_id("me");
    ASSERT_TRUE(teams().ListTeams(&context, request, &response).ok());
    ASSERT_EQ(response.items_size(), 1);
    EXPECT_EQ(response.items(0).id(), a);
  }
  {
    grpc::ClientContext context;
    Client(context, TokenOf(ann));
    EXPECT_EQ(ErrorOf(teams().ListTeams(&context, {}, &response)).reason,
              "CLIENT_CANNOT_ACCESS_OTHER_USERS");
  }
  {
    grpc::ClientContext context;
    Server(context);
    ASSERT_TRUE(teams().ListTeams(&context, {}, &response).ok());
    EXPECT_EQ(response.items_size(), 2);
  }
  {
    grpc::ClientContext context;
    Server(context);
    v1::ListTeamsRequest request;
    request.set_user_id("me");
    EXPECT_EQ(ErrorOf(teams().ListTeams(&context, request, &response)).reason,
              "CANNOT_GET_OWN_USER_WITHOUT_USER");
  }
}

TEST_F(TeamServiceTest, ClientsReadOnlyTheirTeams) {
  const std::string ann = NewUser("Ann");
  const std::string bob = NewUser("Bob");
  const std::string team = NewTeam("A", ann);
  v1::GetTeamRequest request;
  request.set_team_id(team);
  v1::Team out;
  {
    grpc::ClientContext context;
    Client(context, TokenOf(bob));
    WireError error = ErrorOf(teams().GetTeam(&context, request, &out));
    EXPECT_EQ(error.reason, "TEAM_MEMBERSHIP_NOT_FOUND");
    EXPECT_EQ(error.details["team_id"], team);
    EXPECT_EQ(error.details["user_id"], bob);
  }
  {
    grpc::ClientContext context;
    Client(context, TokenOf(ann));
    ASSERT_TRUE(teams().GetTeam(&context, request, &out).ok());
    EXPECT_EQ(out.display_name(), "A");
  }
  {
    grpc::ClientContext context;
    Server(context);
    request.set_team_id("00000000-0000-4000-8000-000000000000");
    WireError error = ErrorOf(teams().GetTeam(&context, request, &out));
    EXPECT_EQ(error.reason, "TEAM_NOT_FOUND");
    EXPECT_EQ(error.details["team_id"], request.team_id());
  }
}

TEST_F(TeamServiceTest, SystemPermissionsAreEnforcedOnClientCalls) {
  const std::string admin = NewUser("Admin");
  const std::string member = NewUser("Member");
  const std::string team = NewTeam("T", admin);
  AddMember(team, member);
  const std::string member_token = TokenOf(member);
  const std::string admin_token = TokenOf(admin);

  auto expect_required = [&](const grpc::Status& status,
                             const std::string& permission) {
    WireError error = ErrorOf(status);
    EXPECT_EQ(error.code, grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(error.reason, "TEAM_PERMISSION_REQUIRED");
    EXPECT_EQ(error.details["team_id"], team);
    EXPECT_EQ(error.details["user_id"], member);
    EXPECT_EQ(error.details["permission_id"], permission);
  };
  v1::UpdateTeamRequest update;
  update.set_team_id(team);
  update.set_display_name("Renamed");
  v1::Team out;
  {
    grpc::ClientContext context;
    Client(context, member_token);
    expect_required(teams().UpdateTeam(&context, update, &out), "$update_team");
  }
  v1::DeleteTeamRequest del;
  del.set_team_id(team);
  v1::SuccessResponse ok;
  {
    grpc::ClientContext context;
    Client(context, member_token);
    expect_required(teams().DeleteTeam(&context, del, &ok), "$delete_team");
  }
  v1::RemoveTeamMemberRequest remove;
  remove.set_team_id(team);
  remove.set_user_id(admin);
  {
    grpc::ClientContext context;
    Client(context, member_token);
    expect_required(teams().RemoveTeamMember(&context, remove, &ok),
                    "$remove_members");
  }
  // team_member holds $read_members: the member may list the team...
  v1::ListTeamMemberProfilesRequest profiles;
  profiles.set_team_id(team);
  v1::ListTeamMemberProfilesResponse listed;
  {
    grpc::ClientContext context;
    Client(context, member_token);
    ASSERT_TRUE(
        teams().ListTeamMemberProfiles(&context, profiles, &listed).ok());
    EXPECT_EQ(listed.items_size(), 2);
    EXPECT_FALSE(listed.items(0).has_user()) << "server-only for clients";
  }
  // ...until it is revoked; its own profile stays readable.
  ASSERT_TRUE(Revoke(team, member, "team_member").ok());
  {
    grpc::ClientContext context;
    Client(context, member_token);
    expect_required(teams().ListTeamMemberProfiles(&context, profiles, &listed),
                    "$read_members");
  }
  {
    grpc::ClientContext context;
    Client(context, member_token);
    profiles.set_user_id("me");
    ASSERT_TRUE(
        teams().ListTeamMemberProfiles(&context, profiles, &listed).ok());
    ASSERT_EQ(listed.items_size(), 1);
    EXPECT_EQ(listed.items(0).user_id(), member);
  }
  // Granting a role that contains the system permission is enough.
  ASSERT_TRUE(Define("editor", {"$update_team"}).ok());
  ASSERT_TRUE(Grant(team, member, "editor").ok());
  {
    grpc::ClientContext context;
    Client(context, member_token);
    ASSERT_TRUE(teams().UpdateTeam(&context, update, &out).ok());
    EXPECT_EQ(out.display_name(), "Renamed");
  }
  // The creator (team_admin) may do all of it.
  {
    grpc::ClientContext context;
    Client(context, admin_token);
    remove.set_user_id(member);
    ASSERT_TRUE(teams().RemoveTeamMember(&context, remove, &ok).ok());
  }
  {
    grpc::ClientContext context;
    Client(context, admin_token);
    ASSERT_TRUE(teams().DeleteTeam(&context, del, &ok).ok());
  }
}

TEST_F(TeamServiceTest, AddingTwiceIsAlreadyExists) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", "");
  AddMember(team, ann);
  grpc::ClientContext context;
  Server(context);
  v1::AddTeamMemberRequest request;
  request.set_team_id(team);
  request.set_user_id(ann);
  v1::TeamMembership membership;
  WireError error =
      ErrorOf(teams().AddTeamMember(&context, request, &membership));
  EXPECT_EQ(error.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(error.reason, "TEAM_MEMBERSHIP_ALREADY_EXISTS");
}

TEST_F(TeamServiceTest, RemovingAMemberClearsGrantsAndSelectedTeam) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", "");
  const std::string other = NewTeam("Other", "");
  AddMember(team, ann);
  AddMember(other, ann);
  ASSERT_TRUE(Define("reader", {}).ok());
  ASSERT_TRUE(Grant(team, ann, "reader").ok());
  UpdateUser(ann,
             [&](storage::UserRecord& user) { user.selected_team_id = team; });
  grpc::ClientContext context;
  Client(context, TokenOf(ann));
  v1::RemoveTeamMemberRequest leave;
  leave.set_team_id(team);
  leave.set_user_id("me");  // leaving needs no permission
  v1::SuccessResponse ok;
  ASSERT_TRUE(teams().RemoveTeamMember(&context, leave, &ok).ok());
  EXPECT_THAT(Permissions(team, ann, false), IsEmpty());
  EXPECT_THAT(Permissions(other, ann, false), ElementsAre("team_member"));
  auto user = SelectedTeamOf(ann);
  EXPECT_FALSE(user.has_value()) << *user;
  EXPECT_EQ(Check(ann, team, "reader").reason(), "not_a_member");
  // Joining again starts from the member defaults only.
  AddMember(team, ann);
  EXPECT_THAT(Permissions(team, ann, false), ElementsAre("team_member"));
}

TEST_F(TeamServiceTest, RemovingSomeoneNotInTheTeamIsMembershipNotFound) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", "");
  grpc::ClientContext context;
  Server(context);
  v1::RemoveTeamMemberRequest request;
  request.set_team_id(team);
  request.set_user_id(ann);
  v1::SuccessResponse ok;
  WireError error = ErrorOf(teams().RemoveTeamMember(&context, request, &ok));
  EXPECT_EQ(error.reason, "TEAM_MEMBERSHIP_NOT_FOUND");
  EXPECT_EQ(error.details["user_id"], ann);
}

TEST_F(TeamServiceTest, DeletingATeamRemovesMembershipsGrantsAndInvitations) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", ann);
  UpdateUser(ann,
             [&](storage::UserRecord& user) { user.selected_team_id = team; });
  ASSERT_TRUE(context()
                  .database
                  .RunInTransaction([&](storage::Repositories& repos) {
                    storage::TeamInvitationRecord invitation;
                    invitation.id = "44444444-0000-4000-8000-000000000001";
                    invitation.project_id = "internal";
                    invitation.team_id = team;
                    invitation.recipient_email = "x@example.com";
                    invitation.code_hash = "hash";
                    invitation.created_at = clock_.Now();
                    invitation.expires_at = clock_.Now() + absl::Hours(1);
                    return repos.team_invitations().Create(invitation);
                  })
                  .ok());
  grpc::ClientContext call;
  Server(call);
  v1::DeleteTeamRequest request;
  request.set_team_id(team);
  v1::SuccessResponse ok;
  ASSERT_TRUE(teams().DeleteTeam(&call, request, &ok).ok());
  EXPECT_TRUE(ok.success());
  EXPECT_THAT(Permissions(team, ann, true), IsEmpty());
  EXPECT_EQ(Check(ann, team, "team_admin").reason(), "unknown_team");
  EXPECT_FALSE(SelectedTeamOf(ann).has_value());
  ASSERT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) -> absl::Status {
                    auto pending = repos.team_invitations().ListPending(
                        "internal", team, clock_.Now());
                    EXPECT_TRUE(pending.ok() && pending->empty());
                    auto members = repos.teams().ListMembers("internal", team);
                    EXPECT_TRUE(members.ok() && members->empty());
                    return absl::OkStatus();
                  })
                  .ok());
  grpc::ClientContext again;
  Server(again);
  EXPECT_EQ(ErrorOf(teams().DeleteTeam(&again, request, &ok)).reason,
            "TEAM_NOT_FOUND");
}

TEST_F(TeamServiceTest, MemberProfilesFallBackToTheUser) {
  const std::string ann = NewUser("Ann");
  const std::string team = NewTeam("T", ann);
  const std::string token = TokenOf(ann);
  v1::GetTeamMemberProfileRequest get;
  get.set_team_id(team);
  get.set_user_id("me");
  v1::TeamMemberProfile profile;
  {
    grpc::ClientContext context;
    Client(context, token);
    ASSERT_TRUE(teams().GetTeamMemberProfile(&context, get, &profile).ok());
    EXPECT_EQ(profile.display_name(), "Ann");
    EXPECT_EQ(profile.user_id(), ann);
  }
  v1::UpdateTeamMemberProfileRequest update;
  update.set_team_id(team);
  update.set_user_id("me");
  update.set_display_name("Captain Ann");
  {
    grpc::ClientContext context;
    Client(context, token);
    ASSERT_TRUE(
        teams().UpdateTeamMemberProfile(&context, update, &profile).ok());
    EXPECT_EQ(profile.display_name(), "Captain Ann");
  }
  {
    grpc::ClientContext context;
    Server(context);
    get.set_user_id(ann);
    ASSERT_TRUE(teams().GetTeamMemberProfile(&context, get, &profile).ok());
    EXPECT_EQ(profile.display_name(), "Captain Ann");
    EXPECT_EQ(profile.user().display_name(), "Ann") << "server view";
  }
  // Clients edit only their own profile.
  const std::string bob = NewUser("Bob");
  AddMember(team, bob);
  {
    grpc::ClientContext context;
    Client(context, TokenOf(bob));
    update.set_user_id(ann);
    EXPECT_EQ(
        ErrorOf(teams().UpdateTeamMemberProfile(&context, update, &profile))
            .reason,
        "CLIENT_CANNOT_ACCESS_OTHER_USERS");
  }
}

}  // namespace
}  // namespace latchkey::testing
