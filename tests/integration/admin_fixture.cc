#include "tests/integration/admin_fixture.h"

#include "absl/strings/str_cat.h"

namespace latchkey::testing {

void AdminApiTest::SetUp() {
  TestApp::Options options;
  options.backend = Backend();
  options.clock = &clock_;
  options.configure = [this](service::ServerConfig& config) {
    Configure(config);
  };
  if (Backend() == storage::testing::TestBackend::kPostgres &&
      storage::testing::SkipPostgresTests()) {
    GTEST_SKIP() << "LATCHKEY_TEST_SKIP_POSTGRES=1";
  }
  absl::StatusOr<std::unique_ptr<TestApp>> app = TestApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  projects_ = identity::v1::ProjectService::NewStub(app_->Channel());
  users_ = identity::v1::UserService::NewStub(app_->Channel());
  auth_ = identity::v1::AuthService::NewStub(app_->Channel());
}

identity::v1::SignInResponse AdminApiTest::SetupAdmin(
    const std::string& email) {
  grpc::ClientContext call;
  identity::v1::SetupFirstAdminRequest request;
  request.set_display_name("Ada Admin");
  request.set_email(email);
  request.set_password(kAdminPassword);
  identity::v1::SignInResponse response;
  grpc::Status status = auth_->SetupFirstAdmin(&call, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message() << " "
                           << ErrorOf(status).reason;
  return response;
}

const std::string& AdminApiTest::AdminToken() {
  if (admin_token_.empty()) admin_token_ = SetupAdmin().access_token();
  return admin_token_;
}

ManagedProject AdminApiTest::NewProject(const std::string& display_name) {
  ManagedProject out;
  {
    grpc::ClientContext call;
    AsUser(call, "internal", AdminToken());
    identity::v1::CreateProjectRequest request;
    request.set_display_name(display_name);
    identity::v1::Project project;
    grpc::Status status = projects_->CreateProject(&call, request, &project);
    EXPECT_TRUE(status.ok())
        << ErrorOf(status).reason << " " << status.error_message();
    out.id = project.id();
    out.owner_team_id = project.owner_team_id();
  }
  grpc::ClientContext call;
  AsAdminByToken(call, out.id, AdminToken());
  identity::v1::CreateApiKeySetRequest request;
  request.set_description("all three");
  request.set_expires_at_millis(
      absl::ToUnixMillis(clock_.Now() + absl::Hours(24 * 365)));
  request.set_has_publishable_client_key(true);
  request.set_has_secret_server_key(true);
  request.set_has_super_secret_admin_key(true);
  identity::v1::CreatedApiKeySet keys;
  grpc::Status status = projects_->CreateApiKeySet(&call, request, &keys);
  EXPECT_TRUE(status.ok()) << ErrorOf(status).reason << " "
                           << status.error_message();
  out.publishable_client_key = keys.publishable_client_key();
  out.secret_server_key = keys.secret_server_key();
  out.super_secret_admin_key = keys.super_secret_admin_key();
  return out;
}

void AdminApiTest::AsAdminByToken(grpc::ClientContext& context,
                                  const std::string& project_id,
                                  const std::string& admin_token) {
  context.AddMetadata("x-stack-project-id", project_id);
  context.AddMetadata("x-stack-access-type", "admin");
  context.AddMetadata("x-stack-admin-access-token", admin_token);
}

void AdminApiTest::AsUser(grpc::ClientContext& context,
                          const std::string& project_id,
                          const std::string& access_token) {
  context.AddMetadata("x-stack-project-id", project_id);
  context.AddMetadata("x-stack-access-type", "client");
  context.AddMetadata("x-stack-access-token", access_token);
}

HttpHeaders AdminApiTest::ServerHeaders(const std::string& project_id,
                                        const std::string& key) {
  return {{"x-stack-project-id", project_id},
          {"x-stack-access-type", "server"},
          {"x-stack-secret-server-key", key},
          {"content-type", "application/json"}};
}

HttpHeaders AdminApiTest::AdminHeaders(const std::string& project_id,
                                       const std::string& key) {
  return {{"x-stack-project-id", project_id},
          {"x-stack-access-type", "admin"},
          {"x-stack-super-secret-admin-key", key},
          {"content-type", "application/json"}};
}

HttpResponse AdminApiTest::Rest(const std::string& method,
                                const std::string& target,
                                const std::string& body,
                                const HttpHeaders& headers) {
  return HttpCall(app_->http_port(), method, target, body, headers);
}

}  // namespace latchkey::testing
