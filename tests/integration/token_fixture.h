#ifndef TESTS_INTEGRATION_TOKEN_FIXTURE_H_
#define TESTS_INTEGRATION_TOKEN_FIXTURE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "storage/testing/test_database.h"
#include "tests/integration/test_app.h"

namespace latchkey::testing {

// A catalogue error as a gRPC client sees it: google.rpc.ErrorInfo's reason
// and metadata, read from grpc-status-details-bin.
struct WireError {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;  // Empty when the status carries no ErrorInfo.
  std::map<std::string, std::string> details;
};
WireError ErrorOf(const grpc::Status& status);

// One HTTP exchange with the REST gateway (HTTP/1.1, one connection).
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // Names lower-cased.
  std::string body;
  // The body as JSON; null when it is not JSON.
  nlohmann::json Json() const;
};
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;
HttpResponse HttpCall(int port, const std::string& method,
                      const std::string& target, const std::string& body = "",
                      const HttpHeaders& headers = {});

// The claims of a JWT, read without verifying it (tests compare them).
nlohmann::json UnverifiedClaims(const std::string& jwt);

// A project other than "internal", with its own keys.
struct OtherProject {
  std::string id;
  std::string publishable_client_key;
  std::string secret_server_key;
};

// What CreateUser writes.
struct UserSpec {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  bool email_verified = true;
  bool restricted_by_admin = false;
  bool is_anonymous = false;
};

// A whole latchkeyd (TestApp) on a fake clock, with stubs and the storage
// shortcuts the token tests need (users, projects and config overrides
// written straight into the database, as ProjectService and UserService
// would). Not thread-safe, like any test fixture.
class TokenTest : public ::testing::Test {
 protected:
  static constexpr absl::Time kStart = absl::FromUnixSeconds(1'750'000'000);

  void SetUp() override;
  // Restarts the app with `configure` applied (e.g. a previous secret).
  void Restart(std::function<void(service::ServerConfig&)> configure);

  TestApp& app() { return *app_; }
  service::api::AppContext& context() { return app_->app().context(); }
  identity::v1::TokenService::Stub& tokens() { return *tokens_; }
  identity::v1::AuthService::Stub& auth() { return *auth_; }

  // AuthService.AnonymousSignUp as a client of `project_id`; fails the test
  // on error.
  identity::v1::SignInResponse SignUpAnonymously(
      const std::string& project_id = "internal");
  // A user written through storage; returns its id.
  std::string CreateUser(const UserSpec& spec,
                         const std::string& project_id = "internal");
  // AuthService.CreateSession with the internal secret server key.
  grpc::Status CreateSession(const identity::v1::CreateSessionRequest& request,
                             identity::v1::CreateSessionResponse* response);
  // CreateSession for `user_id`, failing the test on error.
  identity::v1::CreateSessionResponse SessionFor(const std::string& user_id);
  // Replaces the project-level config override (JSON object text) and
  // drops the directory's cached copy.
  void SetConfigOverride(const std::string& override_json,
                         const std::string& project_id = "internal");
  // Updates the stored user with `change`.
  void UpdateUser(const std::string& user_id,
                  const std::function<void(storage::UserRecord&)>& change,
                  const std::string& project_id = "internal");
  OtherProject CreateProject();

  // OAuthToken with grant_type=refresh_token.
  grpc::Status OAuthRefresh(
      const std::string& refresh_token, identity::v1::OAuthTokenResponse* out,
      const std::string& client_id = "internal",
      const std::string& client_secret = "__stack_public_client__");
  // ValidateAccessToken as the internal project's server.
  grpc::Status Validate(
      const std::string& access_token,
      identity::v1::ValidateAccessTokenResponse* out,
      bool allow_anonymous = false, bool allow_restricted = false,
      const std::string& project_id = "internal",
      const std::string& server_key = TestApp::kSecretServerKey);

  common::FakeClock clock_{kStart};
  // The database SetUp and Restart start the app on; a subclass may change
  // it in its constructor (SQLite unless it does).
  storage::testing::TestBackend backend_ =
      storage::testing::TestBackend::kSqlite;

 private:
  std::unique_ptr<TestApp> app_;
  std::unique_ptr<identity::v1::TokenService::Stub> tokens_;
  std::unique_ptr<identity::v1::AuthService::Stub> auth_;
};

}  // namespace latchkey::testing

#endif  // TESTS_INTEGRATION_TOKEN_FIXTURE_H_
