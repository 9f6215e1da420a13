#ifndef TESTS_INTEGRATION_TEST_APP_H_
#define TESTS_INTEGRATION_TEST_APP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "service/application.h"
#include "storage/testing/test_database.h"

namespace latchkey::testing {

// A complete latchkeyd in the test's process: the real Application over a
// scratch database (SQLite unless asked otherwise), listening on free ports,
// with known internal-project keys. For integration tests of the services
// over real gRPC (and REST, at http_port()). Not thread-safe to set up;
// the server itself is.
class TestApp {
 public:
  static constexpr char kServerSecret[] =
      "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
  static constexpr char kPublishableClientKey[] =
      "pck_test0000000000000000000000000000000000000000000";
  static constexpr char kSecretServerKey[] =
      "ssk_test0000000000000000000000000000000000000000000";
  static constexpr char kSuperSecretAdminKey[] =
      "sak_test0000000000000000000000000000000000000000000";

  struct Options {
    storage::testing::TestBackend backend =
        storage::testing::TestBackend::kSqlite;
    // Null: the real clock. The clock must outlive the app.
    const common::Clock* clock = nullptr;
    // Applied to the config before start.
    std::function<void(service::ServerConfig&)> configure;
  };

  static absl::StatusOr<std::unique_ptr<TestApp>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<TestApp>> Start() {
    return Start(Options());
  }
  ~TestApp();

  service::Application& app() { return *app_; }
  const service::ServerConfig& config() const { return config_; }
  int grpc_port() const { return app_->grpc_port(); }
  int http_port() const { return app_->http_port(); }
  std::string http_url() const;

  // A plaintext channel to the gRPC port.
  std::shared_ptr<grpc::Channel> Channel() const;

  // Sets the headers of one access type of `project_id` ("internal" uses
  // the keys above; other projects need their own keys passed in).
  static void AsClient(grpc::ClientContext& context,
                       const std::string& project_id = "internal");
  static void AsServer(grpc::ClientContext& context,
                       const std::string& project_id = "internal",
                       const std::string& key = kSecretServerKey);
  static void AsAdmin(grpc::ClientContext& context,
                      const std::string& project_id = "internal",
                      const std::string& key = kSuperSecretAdminKey);

 private:
  TestApp() = default;
  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  service::ServerConfig config_;
  std::unique_ptr<service::Application> app_;
};

}  // namespace latchkey::testing

#endif  // TESTS_INTEGRATION_TEST_APP_H_
