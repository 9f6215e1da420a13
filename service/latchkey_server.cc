#include "service/latchkey_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_builder.h"
#include "service/runtime/json_log.h"

namespace latchkey::service {

absl::StatusOr<std::unique_ptr<LatchkeyServer>> LatchkeyServer::Start(
    Options options, const RequestAuthenticator& authenticator,
    const std::function<absl::Status(MethodRegistry&)>& register_methods) {
  std::unique_ptr<LatchkeyServer> server(new LatchkeyServer());
  server->options_ = std::move(options);
  std::vector<const google::protobuf::ServiceDescriptor*> services =
      MethodRegistry::IdentityServices();
  services.insert(services.end(), server->options_.extra_services.begin(),
                  server->options_.extra_services.end());
  LATCHKEY_ASSIGN_OR_RETURN(server->registry_,
                            MethodRegistry::Create(services));
  if (register_methods) {
    LATCHKEY_RETURN_IF_ERROR(register_methods(*server->registry_));
  }
  server->dispatcher_ = std::make_unique<Dispatcher>(authenticator);
  server->workers_ = std::make_unique<WorkerPool>(
      server->options_.worker_threads, server->options_.max_queued_calls);
  server->runner_ = std::make_unique<PipelineRunner>(
      *server->registry_, *server->dispatcher_, *server->workers_,
      server->options_.metrics);
  if (server->options_.metrics != nullptr) {
    WorkerPool* workers = server->workers_.get();
    server->options_.metrics->AddCallback(
        "latchkey_worker_pool_calls", "Calls on the handler worker pool.",
        metrics::Type::kGauge, {"state"}, [workers] {
          return std::vector<metrics::Sample>{
              {{"queued"}, static_cast<double>(workers->queued())},
              {{"running"}, static_cast<double>(workers->running())}};
        });
    server->options_.metrics->AddCallback(
        "latchkey_worker_pool_threads", "Threads of the handler worker pool.",
        metrics::Type::kGauge, {}, [threads = server->options_.worker_threads] {
          return std::vector<metrics::Sample>{
              {{}, static_cast<double>(threads)}};
        });
  }

  // Both are process-wide switches, read by the builder below.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  const Options& o = server->options_;
  if (!o.tls_cert_file.empty()) {
    // gRPC's own watcher re-reads the files (and checks that the key
    // matches the certificate) every refresh interval.
    auto provider =
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            o.tls_key_file, o.tls_cert_file, o.tls_client_ca_file,
            o.tls_refresh_seconds);
    grpc::experimental::TlsServerCredentialsOptions tls(provider);
    tls.watch_identity_key_cert_pairs();
    if (!o.tls_client_ca_file.empty()) {
      tls.watch_root_certs();
      tls.set_cert_request_type(
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    } else {
      tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    }
    credentials = grpc::experimental::TlsServerCredentials(tls);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(server->options_.grpc_address, credentials,
                           &server->grpc_port_);
  builder.SetMaxReceiveMessageSize(server->options_.max_request_bytes);
  for (const auto* descriptor : server->registry_->services()) {
    server->services_.push_back(std::make_unique<GrpcDispatchService>(
        *descriptor, *server->runner_, server->options_.trusted_proxies));
    builder.RegisterService(server->services_.back().get());
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for gRPC on ", server->options_.grpc_address,
        " (address in use or not available)"));
  }

  // Serve only once the first probe says the database answers.
  grpc::HealthCheckServiceInterface* health =
      server->server_->GetHealthCheckService();
  const bool ready = !server->options_.readiness_probe ||
                     server->options_.readiness_probe().ok();
  health->SetServingStatus(ready);
  server->ready_.store(ready);
  if (server->options_.readiness_probe) {
    server->readiness_thread_ =
        std::thread([raw = server.get()] { raw->MonitorReadiness(); });
  }
  return server;
}

LatchkeyServer::~LatchkeyServer() { Shutdown(absl::ZeroDuration()); }

std::shared_ptr<grpc::Channel> LatchkeyServer::InProcessChannel() {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  return server_->InProcessChannel(arguments);
}

void LatchkeyServer::MonitorReadiness() {
  bool last_ready = true;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_ && !draining_) {
    // A timed wait on the stop signal: the probe runs every interval, and
    // shutdown wakes the thread at once.
    stop_signal_.wait_for(
        lock, absl::ToChronoNanoseconds(options_.readiness_interval),
        [this] { return stopping_ || draining_; });
    if (stopping_ || draining_) break;
    lock.unlock();
    absl::Status status = options_.readiness_probe();
    const bool ready = status.ok();
    lock.lock();
    // Once draining, health stays NOT_SERVING whatever the database says.
    if (stopping_ || draining_) break;
    server_->GetHealthCheckService()->SetServingStatus(ready);
    ready_.store(ready);
    if (ready != last_ready) {
      LogJson(ready ? LogLevel::kInfo : LogLevel::kWarning,
              ready ? "ready: the database answers again"
                    : "not ready: the database does not answer",
              {{"status", std::string(status.message())}});
      last_ready = ready;
    }
  }
}

void LatchkeyServer::BeginDrain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_) return;
    draining_ = true;
    ready_.store(false);
    if (server_ != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(false);
    }
  }
  stop_signal_.notify_all();
}

void LatchkeyServer::StopServing(absl::Time deadline) {
  BeginDrain();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(deadline));
}

void LatchkeyServer::Shutdown(absl::Duration grace) {
  StopServing(absl::Now() + grace);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (workers_ != nullptr) workers_->Shutdown();
}

}  // namespace latchkey::service
