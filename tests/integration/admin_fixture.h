#ifndef TESTS_INTEGRATION_ADMIN_FIXTURE_H_
#define TESTS_INTEGRATION_ADMIN_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/project.grpc.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "tests/integration/test_app.h"
#include "tests/integration/token_fixture.h"

namespace latchkey::testing {

// A project made through ProjectService, with one key set of each kind.
struct ManagedProject {
  std::string id;
  std::string owner_team_id;
  std::string publishable_client_key;
  std::string secret_server_key;
  std::string super_secret_admin_key;
};

// A whole latchkeyd (TestApp) on a fake clock with ProjectService,
// UserService and AuthService stubs, and helpers that go through the public
// API only (first-admin setup, project creation, keys), as an operator
// would. Not thread-safe to set up, like any fixture; the stubs are.
class AdminApiTest : public ::testing::Test {
 protected:
  static constexpr absl::Time kStart = absl::FromUnixSeconds(1'750'000'000);
  static constexpr char kAdminEmail[] = "admin@example.com";
  static constexpr char kAdminPassword[] = "correct horse battery";

  void SetUp() override;
  // The database the app runs on; SQLite unless a test overrides it.
  virtual storage::testing::TestBackend Backend() const {
    return storage::testing::TestBackend::kSqlite;
  }
  // Applied to the server configuration before start.
  virtual void Configure(service::ServerConfig&) const {}

  TestApp& app() { return *app_; }
  service::api::AppContext& context() { return app_->app().context(); }
  int http_port() const { return app_->http_port(); }
  identity::v1::ProjectService::Stub& projects() { return *projects_; }
  identity::v1::UserService::Stub& users() { return *users_; }
  identity::v1::AuthService::Stub& auth() { return *auth_; }

  // SetupFirstAdmin over gRPC; fails the test unless it succeeds.
  identity::v1::SignInResponse SetupAdmin(
      const std::string& email = kAdminEmail);
  // The admin's access token (SetupAdmin on first use).
  const std::string& AdminToken();
  // A project created by the admin (a signed-in internal-project user) with
  // a key set holding all three keys, made with the admin's access token.
  ManagedProject NewProject(const std::string& display_name = "Acme");

  // Metadata for admin access to `project_id` with an admin access token.
  static void AsAdminByToken(grpc::ClientContext& context,
                             const std::string& project_id,
                             const std::string& admin_token);
  // Client access to `project_id` as the user of `access_token`.
  static void AsUser(grpc::ClientContext& context,
                     const std::string& project_id,
                     const std::string& access_token);

  // REST headers for server / admin access with a key.
  static HttpHeaders ServerHeaders(const std::string& project_id,
                                   const std::string& key);
  static HttpHeaders AdminHeaders(const std::string& project_id,
                                  const std::string& key);
  HttpResponse Rest(const std::string& method, const std::string& target,
                    const std::string& body, const HttpHeaders& headers);

  common::FakeClock clock_{kStart};

 private:
  std::unique_ptr<TestApp> app_;
  std::unique_ptr<identity::v1::ProjectService::Stub> projects_;
  std::unique_ptr<identity::v1::UserService::Stub> users_;
  std::unique_ptr<identity::v1::AuthService::Stub> auth_;
  std::string admin_token_;
};

}  // namespace latchkey::testing

#endif  // TESTS_INTEGRATION_ADMIN_FIXTURE_H_
