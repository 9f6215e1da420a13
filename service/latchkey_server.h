#ifndef SERVICE_LATCHKEY_SERVER_H_
#define SERVICE_LATCHKEY_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/server.h"
#include "service/grpc/grpc_dispatch_service.h"
#include "service/pipeline/dispatcher.h"
#include "service/pipeline/method_registry.h"
#include "service/pipeline/pipeline_runner.h"
#include "service/pipeline/request_authenticator.h"
#include "service/runtime/metrics.h"
#include "service/runtime/worker_pool.h"

namespace latchkey::service {

// The running gRPC side of latchkeyd: the five identity services (through
// the dispatcher), grpc.health.v1 and server reflection. Health answers
// SERVING only while the readiness probe (the database ping) succeeds.
// Thread-safe.
class LatchkeyServer {
 public:
  struct Options {
    // HOST:PORT; port 0 picks a free one (see grpc_port()).
    std::string grpc_address = "127.0.0.1:0";
    int worker_threads = 16;
    size_t max_queued_calls = 4096;
    // OK while the server can serve (e.g. the database answers).
    std::function<absl::Status()> readiness_probe;
    absl::Duration readiness_interval = absl::Seconds(1);
    // Largest request message accepted (gRPC answers RESOURCE_EXHAUSTED).
    int max_request_bytes = 4 * 1024 * 1024;
    // Proxies in front of the gRPC port whose x-forwarded-for counts.
    TrustedProxies trusted_proxies;
    // Services served besides the five identity services (through the same
    // registry and pipeline), e.g. Envoy's ext_authz Authorization.
    std::vector<const google::protobuf::ServiceDescriptor*> extra_services;
    // Where calls and the worker pool are counted (may be null); must
    // outlive the server.
    metrics::Registry* metrics = nullptr;
    // TLS on the gRPC port when tls_cert_file is set: the PEM chain and key,
    // re-read every tls_refresh_seconds (a renewed pair serves new
    // handshakes). With tls_client_ca_file, clients must present a
    // certificate that CA bundle signed (mTLS).
    std::string tls_cert_file;
    std::string tls_key_file;
    std::string tls_client_ca_file;
    unsigned int tls_refresh_seconds = 1;
  };

  // Builds the registry from the identity.v1 descriptors; lets `register`
  // attach the method implementations; then starts serving, authenticating
  // every call with `authenticator` (which must outlive the server). Fails
  // when the contract is broken (an RPC without access rule), a handler
  // does not match its RPC, or the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<LatchkeyServer>> Start(
      Options options, const RequestAuthenticator& authenticator,
      const std::function<absl::Status(MethodRegistry&)>& register_methods);

  ~LatchkeyServer();

  int grpc_port() const { return grpc_port_; }
  // What health reports: the last readiness probe passed and the server is
  // not shutting down.
  bool ready() const { return ready_.load(); }
  const MethodRegistry& registry() const { return *registry_; }

  // The pipeline every call runs through, for the other transports (the
  // REST gateway). Valid until the server is destroyed.
  CallRunner& runner() { return *runner_; }

  // A channel to this server that never leaves the process (for tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // The first step of a graceful stop: health NOT_SERVING (and ready()
  // false) for good, while calls are still taken, so that load balancers
  // stop sending new ones. Idempotent.
  void BeginDrain();

  // BeginDrain, then stop taking calls and wait for the ones in flight
  // until `deadline` (then cancel them). The workers keep running, for the
  // REST gateway's calls in flight. Idempotent.
  void StopServing(absl::Time deadline);

  // StopServing(now + grace), then stop the workers (running what they
  // hold). Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  LatchkeyServer() = default;
  void MonitorReadiness();

  Options options_;
  std::unique_ptr<MethodRegistry> registry_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<PipelineRunner> runner_;
  std::vector<std::unique_ptr<GrpcDispatchService>> services_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  std::atomic<bool> ready_{false};

  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  bool draining_ = false;
  bool shut_down_ = false;
  std::thread readiness_thread_;
};

}  // namespace latchkey::service

#endif  // SERVICE_LATCHKEY_SERVER_H_
