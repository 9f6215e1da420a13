#include "tests/integration/team_fixture.h"

#include "storage/database.h"

namespace latchkey::testing {

namespace v1 = identity::v1;

void TeamTest::SetUp() {
  TokenTest::SetUp();
  teams_ = v1::TeamPermissionService::NewStub(app().Channel());
}

void TeamTest::RestartWith(
    std::function<void(service::ServerConfig&)> configure) {
  Restart(std::move(configure));
  teams_ = v1::TeamPermissionService::NewStub(app().Channel());
}

std::string TeamTest::NewUser(const std::string& name,
                              const std::string& email) {
  UserSpec spec;
  spec.display_name = name;
  if (!email.empty()) spec.email = email;
  return CreateUser(spec);
}

std::string TeamTest::TokenOf(const std::string& user_id) {
  return SessionFor(user_id).access_token();
}

std::optional<std::string> TeamTest::SelectedTeamOf(
    const std::string& user_id) {
  std::optional<std::string> selected;
  EXPECT_TRUE(context()
                  .database
                  .Run([&](storage::Repositories& repos) {
                    auto user = repos.users().Get("internal", user_id);
                    if (user.ok()) selected = user->user.selected_team_id;
                    return user.status();
                  })
                  .ok());
  return selected;
}

void TeamTest::Server(grpc::ClientContext& context) {
  TestApp::AsServer(context);
}

void TeamTest::Admin(grpc::ClientContext& context) {
  TestApp::AsAdmin(context);
}

void TeamTest::Client(grpc::ClientContext& context, const std::string& token) {
  TestApp::AsClient(context);
  context.AddMetadata("x-stack-access-token", token);
}

std::string TeamTest::NewTeam(const std::string& name,
                              const std::string& creator) {
  grpc::ClientContext context;
  Server(context);
  v1::CreateTeamRequest request;
  request.set_display_name(name);
  if (!creator.empty()) request.set_creator_user_id(creator);
  v1::Team team;
  grpc::Status status = teams().CreateTeam(&context, request, &team);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return team.id();
}

void TeamTest::AddMember(const std::string& team_id,
                         const std::string& user_id) {
  grpc::ClientContext context;
  Server(context);
  v1::AddTeamMemberRequest request;
  request.set_team_id(team_id);
  request.set_user_id(user_id);
  v1::TeamMembership membership;
  grpc::Status status = teams().AddTeamMember(&context, request, &membership);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

grpc::Status TeamTest::Define(const std::string& id,
                              const std::vector<std::string>& contained,
                              bool project_scope) {
  grpc::ClientContext context;
  Admin(context);
  v1::CreatePermissionDefinitionRequest request;
  request.set_id(id);
  for (const std::string& c : contained)
    request.add_contained_permission_ids(c);
  v1::PermissionDefinition definition;
  return project_scope ? teams().CreateProjectPermissionDefinition(
                             &context, request, &definition)
                       : teams().CreateTeamPermissionDefinition(
                             &context, request, &definition);
}

grpc::Status TeamTest::Grant(const std::string& team_id,
                             const std::string& user_id,
                             const std::string& permission_id) {
  grpc::ClientContext context;
  Server(context);
  v1::GrantTeamPermissionRequest request;
  request.set_team_id(team_id);
  request.set_user_id(user_id);
  request.set_permission_id(permission_id);
  v1::TeamPermission granted;
  return teams().GrantTeamPermission(&context, request, &granted);
}

grpc::Status TeamTest::Revoke(const std::string& team_id,
                              const std::string& user_id,
                              const std::string& permission_id) {
  grpc::ClientContext context;
  Server(context);
  v1::RevokeTeamPermissionRequest request;
  request.set_team_id(team_id);
  request.set_user_id(user_id);
  request.set_permission_id(permission_id);
  v1::SuccessResponse response;
  return teams().RevokeTeamPermission(&context, request, &response);
}

std::vector<std::string> TeamTest::Permissions(const std::string& team_id,
                                               const std::string& user_id,
                                               bool recursive) {
  grpc::ClientContext context;
  Server(context);
  v1::ListTeamPermissionsRequest request;
  request.set_team_id(team_id);
  request.set_user_id(user_id);
  request.set_recursive(recursive);
  v1::ListTeamPermissionsResponse response;
  grpc::Status status =
      teams().ListTeamPermissions(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> ids;
  for (const auto& item : response.items()) {
    EXPECT_EQ(item.team_id(), team_id);
    EXPECT_EQ(item.user_id(), user_id);
    ids.push_back(item.id());
  }
  return ids;
}

v1::CheckPermissionResponse TeamTest::Check(const std::string& user_id,
                                            const std::string& team_id,
                                            const std::string& permission_id) {
  grpc::ClientContext context;
  Server(context);
  v1::CheckPermissionRequest request;
  request.set_user_id(user_id);
  if (!team_id.empty()) request.set_team_id(team_id);
  request.set_permission_id(permission_id);
  v1::CheckPermissionResponse response;
  grpc::Status status = teams().CheckPermission(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

}  // namespace latchkey::testing
