// Every error of request authentication (docs/stack-wire-format.md), reached
// through both doors of a whole latchkeyd: the same headers as gRPC metadata
// and as REST headers must give the same code, with the catalogue's HTTP status
// on REST and google.rpc.ErrorInfo on gRPC. The order of the checks is unit
// tested in //service:request_authenticator_test; this is the wiring.
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "service/core/start_session.h"
#include "tests/integration/admin_fixture.h"

namespace latchkey::testing {
namespace {

// An RPC to knock on, with its REST route.
enum class Rpc {
  kGetCurrentProject,  // client, server, admin
  kListUsers,          // server, admin
  kGetProject,         // admin
  kListProjects,       // client with a user
};

struct Case {
  std::string code;
  int http_status;
  Rpc rpc;
  HttpHeaders headers;
};

class RequestAuthenticationTest : public AdminApiTest {
 protected:
  void SetUp() override {
    AdminApiTest::SetUp();
    acme_ = NewProject("Acme");
    other_ = NewProject("Other");
  }

  // A user of `project_id` made through UserService with `server_key`, and
  // a session for them; returns the access token.
  std::string TokenFor(const std::string& project_id,
                       const std::string& server_key,
                       const identity::v1::CreateUserRequest& request,
                       bool restrict = false) {
    grpc::ClientContext call;
    TestApp::AsServer(call, project_id, server_key);
    identity::v1::User user;
    grpc::Status status = users().CreateUser(&call, request, &user);
    EXPECT_TRUE(status.ok()) << ErrorOf(status).reason;
    if (restrict) {
      grpc::ClientContext update_call;
      TestApp::AsServer(update_call, project_id, server_key);
      identity::v1::UpdateUserRequest update;
      update.set_user_id(user.id());
      update.set_restricted_by_admin(true);
      EXPECT_TRUE(users().UpdateUser(&update_call, update, &user).ok());
    }
    auto project = context().projects.Get(project_id);
    EXPECT_TRUE(project.ok());
    std::string token;
    EXPECT_TRUE(context()
                    .database
                    .RunInTransaction(
                        [&](storage::Repositories& repos) -> absl::Status {
                          auto view = repos.users().Get(project_id, user.id());
                          if (!view.ok()) return view.status();
                          auto started = service::core::StartSession(
                              context().sessions, context().token_issuer, repos,
                              **project, *view);
                          if (!started.ok()) return started.status();
                          token = started->access_token;
                          return absl::OkStatus();
                        })
                    .ok());
    return token;
  }

  std::string AcmeUserToken() {
    identity::v1::CreateUserRequest request;
    request.set_display_name("Plain");
    return TokenFor(acme_.id, acme_.secret_server_key, request);
  }

  grpc::Status CallGrpc(Rpc rpc, const HttpHeaders& headers) {
    grpc::ClientContext call;
    for (const auto& [name, value] : headers) call.AddMetadata(name, value);
    switch (rpc) {
      case Rpc::kGetCurrentProject: {
        identity::v1::ClientProject response;
        return projects().GetCurrentProject(
            &call, identity::v1::GetCurrentProjectRequest(), &response);
      }
      case Rpc::kListUsers: {
        identity::v1::ListUsersResponse response;
        return users().ListUsers(&call, identity::v1::ListUsersRequest(),
                                 &response);
      }
      case Rpc::kGetProject: {
        identity::v1::Project response;
        return projects().GetProject(&call, identity::v1::GetProjectRequest(),
                                     &response);
      }
      case Rpc::kListProjects: {
        identity::v1::ListProjectsResponse response;
        return projects().ListProjects(
            &call, identity::v1::ListProjectsRequest(), &response);
      }
    }
    return grpc::Status::CANCELLED;
  }

  HttpResponse CallRest(Rpc rpc, const HttpHeaders& headers) {
    const char* path = "";
    switch (rpc) {
      case Rpc::kGetCurrentProject:
        path = "/api/v1/projects/current";
        break;
      case Rpc::kListUsers:
        path = "/api/v1/users";
        break;
      case Rpc::kGetProject:
        path = "/api/v1/internal/projects/current";
        break;
      case Rpc::kListProjects:
        path = "/api/v1/internal/projects";
        break;
    }
    return Rest("GET", path, "", headers);
  }

  // Both doors answer `c.code`; returns the two answers for more checks.
  std::pair<WireError, nlohmann::json> ExpectBothDoors(const Case& c) {
    const WireError grpc_error = ErrorOf(CallGrpc(c.rpc, c.headers));
    EXPECT_EQ(grpc_error.reason, c.code) << "gRPC";
    const HttpResponse rest = CallRest(c.rpc, c.headers);
    EXPECT_EQ(rest.status, c.http_status) << c.code << ": " << rest.body;
    const nlohmann::json body = rest.Json();
    EXPECT_EQ(body["code"], c.code) << "REST";
    auto header = rest.headers.find("x-stack-known-error");
    EXPECT_TRUE(header != rest.headers.end() && header->second == c.code)
        << c.code;
    return {grpc_error, body};
  }

  HttpHeaders Client(const std::string& project_id) const {
    return {{"x-stack-project-id", project_id},
            {"x-stack-access-type", "client"}};
  }
  HttpHeaders Server(const std::string& project_id,
                     const std::string& key) const {
    return {{"x-stack-project-id", project_id},
            {"x-stack-access-type", "server"},
            {"x-stack-secret-server-key", key}};
  }
  HttpHeaders Admin(const std::string& project_id) const {
    return {{"x-stack-project-id", project_id},
            {"x-stack-access-type", "admin"}};
  }
  static HttpHeaders With(HttpHeaders headers, const std::string& name,
                          const std::string& value) {
    headers.emplace_back(name, value);
    return headers;
  }

  ManagedProject acme_;
  ManagedProject other_;
};

TEST_F(RequestAuthenticationTest, CredentialShapeErrors) {
  ExpectBothDoors({"PROJECT_KEY_WITHOUT_ACCESS_TYPE",
                   400,
                   Rpc::kListUsers,
                   {{"x-stack-project-id", acme_.id},
                    {"x-stack-secret-server-key", acme_.secret_server_key}}});
  ExpectBothDoors({"ACCESS_TYPE_REQUIRED",
                   400,
                   Rpc::kListUsers,
                   {{"x-stack-project-id", acme_.id}}});
  auto [grpc_error, body] = ExpectBothDoors(
      {"INVALID_ACCESS_TYPE",
       400,
       Rpc::kListUsers,
       {{"x-stack-project-id", acme_.id}, {"x-stack-access-type", "root"}}});
  EXPECT_EQ(grpc_error.details["accessType"], "root");
  EXPECT_EQ(body["details"]["accessType"], "root");
  ExpectBothDoors({"ACCESS_TYPE_WITHOUT_PROJECT_ID",
                   400,
                   Rpc::kListUsers,
                   {{"x-stack-access-type", "server"}}});
  // The x-hexclave-* spellings are the same headers.
  ExpectBothDoors({"ACCESS_TYPE_WITHOUT_PROJECT_ID",
                   400,
                   Rpc::kListUsers,
                   {{"x-hexclave-access-type", "server"}}});
}

TEST_F(RequestAuthenticationTest, AccessTokenErrors) {
  ExpectBothDoors({"UNPARSABLE_ACCESS_TOKEN", 401, Rpc::kGetCurrentProject,
                   With(Client(acme_.id), "x-stack-access-token", "garbage")});
  ExpectBothDoors({"UNPARSABLE_ACCESS_TOKEN", 401, Rpc::kGetCurrentProject,
                   With(Client(acme_.id), "authorization", "Bearer garbage")});
  const std::string acme_token = AcmeUserToken();
  auto [grpc_error, body] = ExpectBothDoors(
      {"INVALID_PROJECT_FOR_ACCESS_TOKEN", 401, Rpc::kGetCurrentProject,
       With(Client(other_.id), "x-stack-access-token", acme_token)});
  EXPECT_EQ(body["details"]["expected_project_id"], other_.id);
  EXPECT_EQ(body["details"]["actual_project_id"], acme_.id);

  identity::v1::CreateUserRequest anonymous;
  anonymous.set_is_anonymous(true);
  const std::string anonymous_token =
      TokenFor(acme_.id, acme_.secret_server_key, anonymous);
  ExpectBothDoors(
      {"ANONYMOUS_AUTHENTICATION_NOT_ALLOWED", 401, Rpc::kGetCurrentProject,
       With(Client(acme_.id), "x-stack-access-token", anonymous_token)});
  EXPECT_TRUE(CallGrpc(Rpc::kGetCurrentProject,
                       With(With(Client(acme_.id), "x-stack-access-token",
                                 anonymous_token),
                            "x-stack-allow-anonymous-user", "true"))
                  .ok());

  identity::v1::CreateUserRequest plain;
  plain.set_display_name("Mallory");
  const std::string restricted_token =
      TokenFor(acme_.id, acme_.secret_server_key, plain, /*restrict=*/true);
  auto [restricted_grpc, restricted_body] = ExpectBothDoors(
      {"RESTRICTED_USER_NOT_ALLOWED", 403, Rpc::kGetCurrentProject,
       With(Client(acme_.id), "x-stack-access-token", restricted_token)});
  EXPECT_EQ(restricted_body["details"]["restricted_reason"],
            nlohmann::json({{"type", "restricted_by_administrator"}}));
  EXPECT_TRUE(CallGrpc(Rpc::kGetCurrentProject,
                       With(With(Client(acme_.id), "x-stack-access-token",
                                 restricted_token),
                            "x-stack-allow-restricted-user", "true"))
                  .ok());
}

TEST_F(RequestAuthenticationTest, ExpiredTokensAreExpiredAsUserAndAsAdmin) {
  const std::string token = AcmeUserToken();
  const std::string admin_token = AdminToken();
  clock_.Advance(absl::Minutes(11));
  auto [grpc_error, body] =
      ExpectBothDoors({"ACCESS_TOKEN_EXPIRED", 401, Rpc::kGetCurrentProject,
                       With(Client(acme_.id), "x-stack-access-token", token)});
  EXPECT_EQ(body["details"]["project_id"], acme_.id);
  EXPECT_TRUE(body["details"]["expired_at_millis"].is_number());
  ExpectBothDoors(
      {"ADMIN_ACCESS_TOKEN_EXPIRED", 401, Rpc::kGetProject,
       With(Admin(acme_.id), "x-stack-admin-access-token", admin_token)});
}

TEST_F(RequestAuthenticationTest, ProjectAndKeyErrors) {
  ExpectBothDoors({"CURRENT_PROJECT_NOT_FOUND", 400, Rpc::kGetCurrentProject,
                   Client("00000000-0000-4000-8000-000000000000")});
  ExpectBothDoors(
      {"INVALID_PUBLISHABLE_CLIENT_KEY", 401, Rpc::kGetCurrentProject,
       With(Client(acme_.id), "x-stack-publishable-client-key", "pck_wrong")});
  // A key of another project is as wrong as a made-up one.
  ExpectBothDoors({"INVALID_PUBLISHABLE_CLIENT_KEY", 401,
                   Rpc::kGetCurrentProject,
                   With(Client(acme_.id), "x-stack-publishable-client-key",
                        other_.publishable_client_key)});
  ExpectBothDoors(
      {"SERVER_AUTHENTICATION_REQUIRED",
       401,
       Rpc::kListUsers,
       {{"x-stack-project-id", acme_.id}, {"x-stack-access-type", "server"}}});
  ExpectBothDoors({"INVALID_SECRET_SERVER_KEY", 401, Rpc::kListUsers,
                   Server(acme_.id, "ssk_wrong")});
  auto [grpc_error, body] =
      ExpectBothDoors({"INVALID_SECRET_SERVER_KEY", 401, Rpc::kListUsers,
                       Server(other_.id, acme_.secret_server_key)});
  EXPECT_EQ(body["details"]["project_id"], other_.id);
  EXPECT_EQ(grpc_error.details["project_id"], other_.id);
  EXPECT_TRUE(
      CallGrpc(Rpc::kListUsers, Server(acme_.id, acme_.secret_server_key))
          .ok());
  ExpectBothDoors({"ADMIN_AUTHENTICATION_REQUIRED", 401, Rpc::kGetProject,
                   Admin(acme_.id)});
  ExpectBothDoors({"INVALID_SUPER_SECRET_ADMIN_KEY", 401, Rpc::kGetProject,
                   With(Admin(acme_.id), "x-stack-super-secret-admin-key",
                        other_.super_secret_admin_key)});
  ExpectBothDoors(
      {"UNPARSABLE_ADMIN_ACCESS_TOKEN", 401, Rpc::kGetProject,
       With(Admin(acme_.id), "x-stack-admin-access-token", "garbage")});
  // An internal-project user who is not in Acme's owner team.
  identity::v1::CreateUserRequest outsider;
  outsider.set_primary_email("outsider@example.com");
  const std::string outsider_token =
      TokenFor("internal", TestApp::kSecretServerKey, outsider);
  ExpectBothDoors(
      {"ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", 401, Rpc::kGetProject,
       With(Admin(acme_.id), "x-stack-admin-access-token", outsider_token)});
  ExpectBothDoors({"BRANCH_DOES_NOT_EXIST", 400, Rpc::kListUsers,
                   With(Server(acme_.id, acme_.secret_server_key),
                        "x-stack-branch-id", "dev")});

  // A project that requires its publishable key.
  ASSERT_EQ(
      Rest(
          "PATCH", "/api/v1/internal/config/override/project",
          R"({"config_override_string": "{\"require_publishable_client_key\": true}"})",
          AdminHeaders(acme_.id, acme_.super_secret_admin_key))
          .status,
      200);
  ExpectBothDoors({"PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT", 401,
                   Rpc::kGetCurrentProject, Client(acme_.id)});
  EXPECT_TRUE(CallGrpc(Rpc::kGetCurrentProject,
                       With(Client(acme_.id), "x-stack-publishable-client-key",
                            acme_.publishable_client_key))
                  .ok());
}

TEST_F(RequestAuthenticationTest, AccessTypeAndUserRequirements) {
  auto [grpc_error, body] = ExpectBothDoors(
      {"INSUFFICIENT_ACCESS_TYPE", 401, Rpc::kListUsers, Client(acme_.id)});
  EXPECT_EQ(body["details"]["actual_access_type"], "client");
  EXPECT_EQ(body["details"]["allowed_access_types"],
            nlohmann::json::parse(R"(["server", "admin"])"));
  ExpectBothDoors({"INSUFFICIENT_ACCESS_TYPE", 401, Rpc::kGetProject,
                   Server(acme_.id, acme_.secret_server_key)});
  // Server-only RPCs stay closed to clients even with a signed-in user.
  ExpectBothDoors(
      {"INSUFFICIENT_ACCESS_TYPE", 401, Rpc::kListUsers,
       With(Client(acme_.id), "x-stack-access-token", AcmeUserToken())});
  ExpectBothDoors({"USER_AUTHENTICATION_REQUIRED", 401, Rpc::kListProjects,
                   Client("internal")});
}

}  // namespace
}  // namespace latchkey::testing
