#include "service/application.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "service/api/services.h"
#include "service/core/bootstrap.h"
#include "service/core/cache_stats.h"
#include "service/gateway/http_server.h"
#include "service/mail/outbox_mail_sender.h"
#include "service/mail/smtp_mail_sender.h"
#include "service/mesh/ext_authz.h"
#include "service/mesh/identity_headers.h"
#include "service/runtime/json_log.h"
#include "service/tls_files.h"

namespace latchkey::service {
namespace {

#ifdef LATCHKEY_VERSION
constexpr char kLatchkeyVersion[] = LATCHKEY_VERSION;
#else
constexpr char kLatchkeyVersion[] = "unversioned";
#endif

// Mail goes through SMTP when configured; in dev mode without SMTP, to an
// outbox file the developer can read; otherwise nowhere (said at start-up).
class NoMailSender : public mail::MailSender {
 public:
  absl::Status Send(const mail::EmailMessage&) override {
    return absl::FailedPreconditionError(
        "email is not configured (LATCHKEY_SMTP_URL)");
  }
};

absl::StatusOr<std::unique_ptr<mail::MailSender>> MakeMailSender(
    const ServerConfig& config) {
  if (!config.smtp.url.empty()) {
    mail::SmtpSettings settings;
    settings.url = config.smtp.url;
    settings.from = config.smtp.from;
    settings.tls = config.smtp.tls == "none" ? mail::SmtpSettings::Tls::kNone
                   : config.smtp.tls == "opportunistic"
                       ? mail::SmtpSettings::Tls::kOpportunistic
                       : mail::SmtpSettings::Tls::kRequired;
    LATCHKEY_ASSIGN_OR_RETURN(std::unique_ptr<mail::SmtpMailSender> smtp,
                              mail::SmtpMailSender::Create(settings));
    return std::unique_ptr<mail::MailSender>(std::move(smtp));
  }
  if (config.dev_mode) {
    const std::string outbox = config.data_dir + "/outbox.jsonl";
    LogJson(LogLevel::kWarning,
            "dev mode: email is written to an outbox file, not sent",
            {{"outbox", outbox}});
    return std::unique_ptr<mail::MailSender>(
        std::make_unique<mail::OutboxMailSender>(outbox));
  }
  LogJson(LogLevel::kWarning,
          "email is not configured: verification, sign-in codes and password "
          "resets cannot be delivered (set LATCHKEY_SMTP_URL and "
          "LATCHKEY_SMTP_FROM)");
  return std::unique_ptr<mail::MailSender>(std::make_unique<NoMailSender>());
}

// Every HTTP connection holds a descriptor: below max connections plus
// room for the database, files and gRPC, accept() fails (EMFILE) before
// the server is full. Raises the soft limit as far as the hard one allows.
void EnsureDescriptors(int64_t max_connections) {
  constexpr int64_t kHeadroom = 64;
  const uint64_t needed = static_cast<uint64_t>(max_connections + kHeadroom);
  absl::StatusOr<gateway::DescriptorLimit> limit =
      gateway::RaiseDescriptorLimit(needed);
  if (!limit.ok()) {
    LogJson(LogLevel::kWarning, "cannot check the descriptor limit",
            {{"error", std::string(limit.status().message())}});
    return;
  }
  if (limit->soft < needed) {
    LogJson(LogLevel::kWarning,
            "the open-file limit is below what --http_max_connections "
            "needs; connections beyond it fail to be accepted: raise the "
            "hard limit (ulimit -Hn, LimitNOFILE=) or lower "
            "--http_max_connections",
            {{"open_file_limit", limit->soft},
             {"needed", needed},
             {"http_max_connections", max_connections}});
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Application>> Application::Start(
    const ServerConfig& config, std::unique_ptr<storage::Database> database,
    const common::Clock& clock) {
  std::unique_ptr<Application> app(
      new Application(config, std::move(database), clock));

  // The HTTP port first: with port 0, the issuer URL needs the real one.
  gateway::RestGateway::Options gateway_options;
  gateway_options.http_address = config.http_address;
  gateway_options.trusted_proxies = config.trusted_proxies;
  if (config.tls.enabled()) {
    LATCHKEY_RETURN_IF_ERROR(CheckTlsFiles(
        config.tls.cert_file, config.tls.key_file, config.tls.client_ca_file));
    gateway_options.tls = gateway::HttpTls{.cert_file = config.tls.cert_file,
                                           .key_file = config.tls.key_file};
  }
  gateway_options.limits.max_body_bytes = config.http.max_body_bytes;
  gateway_options.limits.max_header_bytes = config.http.max_header_bytes;
  gateway_options.limits.max_header_count =
      static_cast<int>(config.http.max_header_count);
  gateway_options.limits.max_url_bytes = config.http.max_url_bytes;
  gateway_options.limits.request_read_timeout = config.http.request_timeout;
  gateway_options.limits.idle_timeout = config.http.idle_timeout;
  gateway_options.limits.max_connections =
      static_cast<int>(config.http.max_connections);
  gateway_options.limits.max_connections_per_address =
      static_cast<int>(config.http.max_connections_per_address);
  EnsureDescriptors(config.http.max_connections);
  Application* raw_app = app.get();
  gateway_options.ready = [raw_app] {
    return raw_app->server_ != nullptr && raw_app->server_->ready();
  };
  LATCHKEY_ASSIGN_OR_RETURN(app->gateway_,
                            gateway::RestGateway::Listen(gateway_options));
  if (config.public_url_from_http_address) {
    const std::string host =
        config.http_address.substr(0, config.http_address.rfind(':'));
    app->config_.public_url =
        absl::StrCat(config.tls.enabled() ? "https://" : "http://", host, ":",
                     app->gateway_->port());
  }

  crypto::KeyRing::Options key_options;
  key_options.current_secret = config.server_secret;
  key_options.previous_secret = config.previous_server_secret;
  LATCHKEY_ASSIGN_OR_RETURN(app->keys_, crypto::KeyRing::Create(key_options));
  LATCHKEY_ASSIGN_OR_RETURN(crypto::JwtVerifier verifier,
                            crypto::JwtVerifier::Create(*app->keys_, clock));
  app->jwt_verifier_ = std::make_unique<crypto::JwtVerifier>(verifier);
  app->token_issuer_ = std::make_unique<core::AccessTokenIssuer>(
      *app->keys_, clock, app->config_.public_url);
  app->token_cache_ = std::make_unique<core::VerifiedTokenCache>(
      core::VerifiedTokenCache::Options{
          .max_entries = static_cast<size_t>(config.token_cache_entries)});
  app->token_verifier_ = std::make_unique<core::AccessTokenVerifier>(
      *app->jwt_verifier_, app->config_.public_url, clock, *app->token_cache_);
  app->user_snapshots_ = std::make_unique<core::UserSnapshotCache>(
      core::UserSnapshotCache::Options{
          .max_age = absl::Milliseconds(config.user_cache_ms)});
  app->projects_ =
      std::make_unique<core::ProjectDirectory>(*app->database_, clock);
  std::optional<std::string_view> previous_secret;
  if (config.previous_server_secret.has_value()) {
    previous_secret = *config.previous_server_secret;
  }
  LATCHKEY_ASSIGN_OR_RETURN(core::RefreshTokenSuccessors successors,
                            core::RefreshTokenSuccessors::Create(
                                config.server_secret, previous_secret));
  app->sessions_ = std::make_unique<core::SessionManager>(
      *app->database_, clock, std::move(successors));
  app->codes_ =
      std::make_unique<core::VerificationCodes>(*app->database_, clock);
  app->rate_limiter_ =
      std::make_unique<core::RateLimiter>(*app->database_, clock);
  metrics::Histogram* hash_wait =
      app->metrics_
          ->AddHistogram(
              "latchkey_password_hash_wait_seconds",
              "Time a password hash waited for a hashing thread, seconds.", {},
              {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})
          ->WithLabels({});
  app->passwords_ = std::make_unique<core::Passwords>(core::Passwords::Options{
      .max_concurrent_hashes = config.password_hash_concurrency,
      .ceiling = {.max_memory_kib = config.argon2_max_memory_kib,
                  .max_iterations = config.argon2_max_iterations,
                  .max_parallelism = config.argon2_max_parallelism},
      .max_waiting_per_project =
          static_cast<size_t>(config.password_hash_queue_per_project),
      .on_wait = [hash_wait](absl::Duration wait) {
        hash_wait->Observe(absl::ToDoubleSeconds(wait));
      }});
  LATCHKEY_ASSIGN_OR_RETURN(std::unique_ptr<mail::MailSender> sender,
                            MakeMailSender(app->config_));
  app->mail_ = std::make_unique<mail::MailQueue>(std::move(sender),
                                                 mail::MailQueue::Options());
  app->permissions_ =
      std::make_unique<core::PermissionCatalog>(*app->database_, clock);
  app->context_.reset(new api::AppContext{
      app->config_, clock, *app->database_, *app->keys_, *app->projects_,
      *app->token_issuer_, *app->token_verifier_, *app->sessions_, *app->codes_,
      *app->passwords_, *app->rate_limiter_, *app->mail_, *app->permissions_,
      *app->user_snapshots_});
  app->authenticator_ = std::make_unique<RequestAuthenticator>(
      *app->projects_, *app->token_verifier_);

  core::BootstrapKeys bootstrap{config.internal_keys.publishable_client_key,
                                config.internal_keys.secret_server_key,
                                config.internal_keys.super_secret_admin_key};
  LATCHKEY_RETURN_IF_ERROR(
      core::EnsureInternalProject(*app->database_, bootstrap, clock));

  LatchkeyServer::Options server_options;
  server_options.grpc_address = config.grpc_address;
  server_options.worker_threads = config.worker_threads;
  server_options.trusted_proxies = config.trusted_proxies;
  server_options.metrics = app->metrics_.get();
  server_options.tls_cert_file = config.tls.cert_file;
  server_options.tls_key_file = config.tls.key_file;
  server_options.tls_client_ca_file = config.tls.client_ca_file;
  storage::Database* db = app->database_.get();
  server_options.readiness_probe = [db] { return db->Ping(); };
  // Envoy's ext_authz, and through it the REST gateway's forward auth.
  absl::StatusOr<std::vector<mesh::IdentityHeader>> identity_headers =
      mesh::ParseIdentityHeaders(config.identity_headers);
  if (!identity_headers.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--identity_headers: ", identity_headers.status().message()));
  }
  app->ext_authz_ = std::make_unique<mesh::ExtAuthz>(
      *app->token_verifier_, *app->projects_, *app->permissions_,
      *std::move(identity_headers));
  server_options.extra_services.push_back(&mesh::AuthorizationService());
  api::AppContext* context = app->context_.get();
  const mesh::ExtAuthz* ext_authz = app->ext_authz_.get();
  LATCHKEY_ASSIGN_OR_RETURN(
      app->server_,
      LatchkeyServer::Start(
          server_options, *app->authenticator_,
          [context, ext_authz](MethodRegistry& registry) -> absl::Status {
            LATCHKEY_RETURN_IF_ERROR(api::RegisterServices(registry, *context));
            return mesh::RegisterAuthorization(registry, *ext_authz);
          }));

  LatchkeyServer* server = app->server_.get();
  LATCHKEY_RETURN_IF_ERROR(
      app->gateway_->Serve(server->registry().catalog(), server->runner()));
  LATCHKEY_RETURN_IF_ERROR(app->StartAdmin());
  return app;
}

absl::Status Application::StartAdmin() {
  using metrics::Sample;
  using metrics::Type;
  metrics::Registry& registry = *metrics_;
  auto one = [](double value) { return std::vector<Sample>{{{}, value}}; };
  // A cache's lookups, labelled by result.
  auto lookups = [](const core::CacheStats& stats) {
    return std::vector<Sample>{{{"hit"}, static_cast<double>(stats.hits)},
                               {{"miss"}, static_cast<double>(stats.misses)}};
  };

  registry.AddCallback(
      "latchkey_build_info",
      "Always 1; the labels name the build (version, gRPC library).",
      Type::kGauge, {"version", "grpc_version"}, [] {
        return std::vector<Sample>{{{kLatchkeyVersion, grpc::Version()}, 1}};
      });
  metrics::AddProcessMetrics(registry);

  const core::AccessTokenVerifier* verifier = token_verifier_.get();
  registry.AddCallback(
      "latchkey_access_token_failures_total",
      "Access tokens refused at verification, by reason.", Type::kCounter,
      {"reason"}, [verifier] {
        std::vector<Sample> samples;
        for (int i = static_cast<int>(crypto::JwtFailure::kTooLarge);
             i <= static_cast<int>(crypto::JwtFailure::kInternal); ++i) {
          const auto failure = static_cast<crypto::JwtFailure>(i);
          samples.push_back({{std::string(crypto::JwtFailureName(failure))},
                             static_cast<double>(verifier->failures(failure))});
        }
        return samples;
      });
  const core::VerifiedTokenCache* cache = token_cache_.get();
  registry.AddCallback("latchkey_token_cache_lookups_total",
                       "Verified-token cache lookups, by result.",
                       Type::kCounter, {"result"},
                       [cache, lookups] { return lookups(cache->stats()); });
  registry.AddCallback(
      "latchkey_token_cache_entries", "Tokens in the verified-token cache.",
      Type::kGauge, {}, [cache, one] {
        return one(static_cast<double>(cache->stats().entries));
      });
  const core::UserSnapshotCache* users = user_snapshots_.get();
  registry.AddCallback("latchkey_user_cache_lookups_total",
                       "GET /users/me user-cache lookups, by result.",
                       Type::kCounter, {"result"},
                       [users, lookups] { return lookups(users->stats()); });
  const core::RateLimiter* limiter = rate_limiter_.get();
  core::Passwords* passwords = passwords_.get();
  registry.AddCallback(
      "latchkey_rate_limit_refusals_total",
      "Requests refused by a rate limit, by limit (password_hash_queue: a "
      "project's password-hash line was full).",
      Type::kCounter, {"limit"}, [limiter, passwords] {
        std::vector<Sample> samples;
        for (const auto& [limit, count] : limiter->refusals()) {
          samples.push_back({{limit}, static_cast<double>(count)});
        }
        samples.push_back(
            {{"password_hash_queue"},
             static_cast<double>(passwords->queue_stats().refused)});
        return samples;
      });
  registry.AddCallback(
      "latchkey_password_hash_queue_depth",
      "Password hashes waiting for a hashing thread.", Type::kGauge, {},
      [passwords, one] {
        return one(static_cast<double>(passwords->queue_stats().waiting));
      });
  storage::Database* database = database_.get();
  registry.AddCallback(
      "latchkey_database_connections_in_use",
      "Database calls running now, each holding a connection.", Type::kGauge,
      {}, [database, one] {
        return one(static_cast<double>(database->stats().in_use));
      });
  registry.AddCallback(
      "latchkey_database_calls_total",
      "Database calls (transactions and single statements).", Type::kCounter,
      {}, [database, one] {
        return one(static_cast<double>(database->stats().calls));
      });
  registry.AddCallback(
      "latchkey_database_errors_total",
      "Database failures, by kind: unavailable (not reachable), conflict (a "
      "transaction attempt rolled back and retried), gave_up (conflicts "
      "outlasted the retries).",
      Type::kCounter, {"kind"}, [database] {
        const storage::Database::Stats stats = database->stats();
        return std::vector<Sample>{
            {{"unavailable"}, static_cast<double>(stats.unavailable)},
            {{"conflict"}, static_cast<double>(stats.conflicts)},
            {{"gave_up"}, static_cast<double>(stats.gave_up)}};
      });
  const mail::MailQueue* mail = mail_.get();
  registry.AddCallback(
      "latchkey_mail_queue_depth", "Emails waiting to be sent.", Type::kGauge,
      {}, [mail, one] {
        return one(static_cast<double>(mail->counters().queued));
      });
  registry.AddCallback(
      "latchkey_mail_messages_total",
      "Emails by outcome: sent, failed (given up), dropped (queue full).",
      Type::kCounter, {"outcome"}, [mail] {
        const mail::MailQueue::Counters counters = mail->counters();
        return std::vector<Sample>{
            {{"sent"}, static_cast<double>(counters.sent)},
            {{"failed"}, static_cast<double>(counters.failed)},
            {{"dropped"}, static_cast<double>(counters.dropped)}};
      });
  gateway::RestGateway* rest = gateway_.get();
  registry.AddCallback(
      "latchkey_http_connections", "Open connections of the REST listener.",
      Type::kGauge, {}, [rest, one] {
        return one(static_cast<double>(rest->active_connections()));
      });

  if (config_.admin_address.empty()) return absl::OkStatus();
  gateway::HttpLimits limits;
  limits.max_connections = 64;
  limits.max_connections_per_address = 0;
  limits.io_threads = 1;
  const metrics::Registry* scraped = metrics_.get();
  Application* self = this;
  auto handler = [scraped, self](gateway::HttpRequest request,
                                 gateway::HttpServer::Respond respond) {
    gateway::HttpResponse response;
    response.headers.emplace_back("cache-control", "no-store");
    const absl::string_view path =
        absl::string_view(request.target).substr(0, request.target.find('?'));
    auto plain = [&](int status, std::string body) {
      response.status = status;
      response.headers.emplace_back("content-type",
                                    "text/plain; charset=utf-8");
      response.body = std::move(body);
    };
    if (request.method != "GET" && request.method != "HEAD") {
      plain(405, "only GET\n");
      response.headers.emplace_back("allow", "GET, HEAD");
    } else if (path == "/metrics") {
      response.status = 200;
      response.headers.emplace_back("content-type",
                                    std::string(metrics::kContentType));
      response.body = scraped->Render();
    } else if (path == "/healthz") {
      plain(200, "ok\n");
    } else if (path == "/readyz") {
      const bool ready = self->ready();
      plain(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
    } else {
      plain(404, "not found\n");
    }
    if (request.method == "HEAD") response.body.clear();
    respond(std::move(response));
  };
  auto limit_responder = [](gateway::HttpLimitError) {
    gateway::HttpResponse response;
    response.status = 503;
    response.keep_alive = false;
    response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
    response.body = "refused\n";
    return response;
  };
  absl::StatusOr<std::unique_ptr<gateway::HttpServer>> admin =
      gateway::HttpServer::Start(config_.admin_address, limits,
                                 std::move(handler),
                                 std::move(limit_responder));
  if (!admin.ok()) {
    return absl::Status(
        admin.status().code(),
        absl::StrCat("--admin_address: ", admin.status().message()));
  }
  admin_ = *std::move(admin);
  return absl::OkStatus();
}

bool Application::ready() const {
  return server_ != nullptr && server_->ready();
}

void Application::BeginDrain() {
  if (server_ != nullptr) server_->BeginDrain();
}

void Application::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  BeginDrain();
  const absl::Time deadline = absl::Now() + grace;
  // Both listeners close together; REST calls run on the server's workers,
  // which keep going until both have drained.
  std::thread rest([this, grace] {
    if (gateway_ != nullptr) gateway_->Shutdown(grace);
  });
  if (server_ != nullptr) server_->StopServing(deadline);
  rest.join();
  if (server_ != nullptr) {
    server_->Shutdown(std::max(deadline - absl::Now(), absl::ZeroDuration()));
  }
  // Last: metrics and /readyz stay readable while the rest drains.
  if (admin_ != nullptr) admin_->Shutdown(absl::ZeroDuration());
}

Application::~Application() {
  Shutdown(absl::ZeroDuration());
  // The admin listener renders metrics that read every component.
  admin_.reset();
  // REST calls finish on the server's workers, which Shutdown has drained;
  // the gateway, whose routes they point at, goes first all the same.
  gateway_.reset();
  server_.reset();
}

}  // namespace latchkey::service
