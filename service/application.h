#ifndef SERVICE_APPLICATION_H_
#define SERVICE_APPLICATION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/jwt.h"
#include "crypto/signing_keys.h"
#include "service/api/app_context.h"
#include "service/config/server_config.h"
#include "service/core/access_tokens.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/core/sessions.h"
#include "service/gateway/http_server.h"
#include "service/gateway/rest_gateway.h"
#include "service/latchkey_server.h"
#include "service/mesh/ext_authz.h"
#include "service/pipeline/request_authenticator.h"
#include "service/runtime/metrics.h"
#include "storage/database.h"

namespace latchkey::service {

// latchkeyd assembled: keys, token issuer and verifier, project directory,
// request authentication, the five services, the gRPC server and the REST
// gateway, over one database. The composition root, used by main() and by
// in-process integration tests. Thread-safe.
class Application {
 public:
  // Seeds the internal project, then starts serving on the configured
  // addresses. Returns the first failure (bad secret, database down,
  // address in use).
  static absl::StatusOr<std::unique_ptr<Application>> Start(
      const ServerConfig& config, std::unique_ptr<storage::Database> database,
      const common::Clock& clock = common::Clock::Real());

  ~Application();

  int grpc_port() const { return server_->grpc_port(); }
  // The configuration as running (public_url completed with the bound port
  // when it was derived from a port-0 address).
  const ServerConfig& config() const { return config_; }
  int http_port() const { return gateway_->port(); }
  // The admin listener's port; 0 when there is none.
  int admin_port() const { return admin_ != nullptr ? admin_->port() : 0; }
  metrics::Registry& metrics() { return *metrics_; }
  LatchkeyServer& server() { return *server_; }
  // Serving: the database answers and no shutdown has begun (/readyz).
  bool ready() const;
  api::AppContext& context() { return *context_; }

  // The first step of a graceful stop: gRPC health NOT_SERVING and /readyz
  // 503 from now on, while both listeners still take calls. Idempotent.
  void BeginDrain();

  // BeginDrain; then both listeners stop taking connections and calls at
  // once, and the calls in flight on either have until `grace` has passed
  // to finish (then they are cancelled); then the workers stop. The admin
  // listener stops last. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  Application(const ServerConfig& config,
              std::unique_ptr<storage::Database> database,
              const common::Clock& clock)
      : config_(config), clock_(clock), database_(std::move(database)) {}

  // Registers the families of every component but the call pipeline's
  // (LatchkeyServer's), then starts the admin listener if configured.
  absl::Status StartAdmin();

  // Frozen once Start returns (public_url may be completed during Start).
  ServerConfig config_;
  // First: destroyed last, after every component its callbacks read (the
  // admin listener, which renders it, stops first).
  std::unique_ptr<metrics::Registry> metrics_ =
      std::make_unique<metrics::Registry>();
  const common::Clock& clock_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<crypto::JwtVerifier> jwt_verifier_;
  std::unique_ptr<core::AccessTokenIssuer> token_issuer_;
  std::unique_ptr<core::VerifiedTokenCache> token_cache_;
  std::unique_ptr<core::AccessTokenVerifier> token_verifier_;
  std::unique_ptr<core::UserSnapshotCache> user_snapshots_;
  std::unique_ptr<core::ProjectDirectory> projects_;
  std::unique_ptr<core::SessionManager> sessions_;
  std::unique_ptr<core::VerificationCodes> codes_;
  std::unique_ptr<core::Passwords> passwords_;
  std::unique_ptr<core::RateLimiter> rate_limiter_;
  std::unique_ptr<mail::MailQueue> mail_;
  // The one permission engine: the team methods, CheckPermission and the
  // ext_authz policy share it (definitions cached; grants read each check).
  std::unique_ptr<core::PermissionCatalog> permissions_;
  std::unique_ptr<api::AppContext> context_;
  std::unique_ptr<RequestAuthenticator> authenticator_;
  std::unique_ptr<mesh::ExtAuthz> ext_authz_;
  std::unique_ptr<LatchkeyServer> server_;
  std::unique_ptr<gateway::RestGateway> gateway_;
  std::unique_ptr<gateway::HttpServer> admin_;
  bool shut_down_ = false;
};

}  // namespace latchkey::service

#endif  // SERVICE_APPLICATION_H_
