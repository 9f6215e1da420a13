#include "tests/integration/test_app.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace latchkey::testing {

absl::StatusOr<std::unique_ptr<TestApp>> TestApp::Start(Options options) {
  std::unique_ptr<TestApp> test(new TestApp());
  LATCHKEY_ASSIGN_OR_RETURN(
      test->scratch_,
      storage::testing::ScratchDatabase::Create(options.backend));
  service::ServerConfig& config = test->config_;
  config.grpc_address = "127.0.0.1:0";
  config.http_address = "127.0.0.1:0";
  config.database_url = test->scratch_->url();
  config.public_url = "http://127.0.0.1";
  config.server_secret = kServerSecret;
  config.internal_keys = {kPublishableClientKey, kSecretServerKey,
                          kSuperSecretAdminKey};
  config.worker_threads = 4;
  if (options.configure) options.configure(config);
  const common::Clock& clock =
      options.clock != nullptr ? *options.clock : common::Clock::Real();
  storage::DatabaseOptions database_options;
  database_options.clock = &clock;
  LATCHKEY_ASSIGN_OR_RETURN(
      std::unique_ptr<storage::Database> database,
      storage::OpenDatabase(config.database_url, database_options));
  LATCHKEY_ASSIGN_OR_RETURN(
      test->app_,
      service::Application::Start(config, std::move(database), clock));
  return test;
}

TestApp::~TestApp() {
  if (app_ != nullptr) app_->Shutdown(absl::Seconds(5));
  app_.reset();
}

std::string TestApp::http_url() const {
  return absl::StrCat("http://127.0.0.1:", app_->http_port());
}

std::shared_ptr<grpc::Channel> TestApp::Channel() const {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", app_->grpc_port()),
                             grpc::InsecureChannelCredentials());
}

void TestApp::AsClient(grpc::ClientContext& context,
                       const std::string& project_id) {
  context.AddMetadata("x-stack-project-id", project_id);
  context.AddMetadata("x-stack-access-type", "client");
}

void TestApp::AsServer(grpc::ClientContext& context,
                       const std::string& project_id, const std::string& key) {
  context.AddMetadata("x-stack-project-id", project_id);
  context.AddMetadata("x-stack-access-type", "server");
  context.AddMetadata("x-stack-secret-server-key", key);
}

void TestApp::AsAdmin(grpc::ClientContext& context,
                      const std::string& project_id, const std::string& key) {
  context.AddMetadata("x-stack-project-id", project_id);
  context.AddMetadata("x-stack-access-type", "admin");
  context.AddMetadata("x-stack-super-secret-admin-key", key);
}

}  // namespace latchkey::testing
