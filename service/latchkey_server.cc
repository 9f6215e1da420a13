#include "service/latchkey_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
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
      *server->registry_, *server->dispatcher_, *server->workers_);

  // Both are process-wide switches, read by the builder below.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(server->options_.grpc_address,
                           grpc::InsecureServerCredentials(),
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
  while (!stopping_) {
    // A timed wait on the stop signal: the probe runs every interval, and
    // shutdown wakes the thread at once.
    stop_signal_.wait_for(
        lock, absl::ToChronoNanoseconds(options_.readiness_interval),
        [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    absl::Status status = options_.readiness_probe();
    const bool ready = status.ok();
    lock.lock();
    if (stopping_) break;
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

void LatchkeyServer::Shutdown(absl::Duration grace) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    stopping_ = true;
    ready_.store(false);
    if (server_ != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(false);
    }
  }
  stop_signal_.notify_all();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoNanoseconds(grace));
  }
  if (workers_ != nullptr) workers_->Shutdown();
}

}  // namespace latchkey::service
