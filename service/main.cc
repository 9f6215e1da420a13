// latchkeyd: the Latchkey identity server. See README.md for settings.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/application.h"
#include "service/config/server_config.h"
#include "service/runtime/json_log.h"
#include "storage/database.h"
#include "third_party/system/gnutls_implicit_init.h"

ABSL_FLAG(std::string, grpc_address, "",
          "gRPC listen address, HOST:PORT (env LATCHKEY_GRPC_ADDRESS; default "
          "127.0.0.1:50051)");
ABSL_FLAG(std::string, http_address, "",
          "REST listen address, HOST:PORT (env LATCHKEY_HTTP_ADDRESS; default "
          "127.0.0.1:8080)");
ABSL_FLAG(std::string, database, "",
          "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (env "
          "LATCHKEY_DATABASE; default sqlite:<data_dir>/latchkey.db)");
ABSL_FLAG(std::string, data_dir, "",
          "directory for the SQLite file and dev-mode secrets (env "
          "LATCHKEY_DATA_DIR; default ./latchkey-data)");
ABSL_FLAG(std::string, public_url, "",
          "public base URL, used in JWT issuers (env LATCHKEY_PUBLIC_URL; "
          "default http://<http_address>)");
ABSL_FLAG(bool, dev, false,
          "development mode: generate and keep a server secret and internal "
          "project keys in the data directory (env LATCHKEY_DEV=1)");
ABSL_FLAG(int, worker_threads, 0,
          "threads running method handlers (env LATCHKEY_WORKER_THREADS; "
          "default 16)");
ABSL_FLAG(int, password_hash_concurrency, 0,
          "argon2 password hashes computed at once; more wait their turn "
          "(env LATCHKEY_PASSWORD_HASH_CONCURRENCY; default the number of "
          "CPUs the process may use)");
ABSL_FLAG(int64_t, argon2_max_memory_kib, -1,
          "the most argon2 memory (KiB) a project may configure; above it "
          "config changes are refused and stored values are clamped (env "
          "LATCHKEY_ARGON2_MAX_MEMORY_KIB; default 65536, 1024 to 1048576)");
ABSL_FLAG(int64_t, argon2_max_iterations, -1,
          "the most argon2 iterations a project may configure (env "
          "LATCHKEY_ARGON2_MAX_ITERATIONS; default 4, 1 to 16)");
ABSL_FLAG(int64_t, argon2_max_parallelism, -1,
          "the most argon2 lanes (threads per hash) a project may configure "
          "(env LATCHKEY_ARGON2_MAX_PARALLELISM; default 4, 1 to 16)");
ABSL_FLAG(int64_t, password_hash_queue_per_project, -1,
          "password hashes of one project that may wait for a hashing "
          "thread; more get 429 RATE_LIMITED (env "
          "LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT; default 8)");
ABSL_FLAG(int64_t, token_cache_entries, -1,
          "verified access tokens remembered until their exp, so a token "
          "seen again is not verified again; 0 turns the cache off (env "
          "LATCHKEY_TOKEN_CACHE_ENTRIES; default 10000, 0 to 1000000)");
ABSL_FLAG(int64_t, user_cache_ms, -1,
          "how long GET /users/me may answer from a user read earlier; any "
          "write of this server ends that at once, so only another "
          "replica's writes can show this late; 0 turns the cache off (env "
          "LATCHKEY_USER_CACHE_MS; default 1000, 0 to 60000)");
ABSL_FLAG(std::string, trusted_proxies, "",
          "addresses and CIDR networks of load balancers and proxies whose "
          "X-Forwarded-For names the client, comma-separated (env "
          "LATCHKEY_TRUSTED_PROXIES; default none)");
ABSL_FLAG(int64_t, http_max_body_bytes, -1,
          "largest request body; larger gets 413 (env "
          "LATCHKEY_HTTP_MAX_BODY_BYTES; default 1048576)");
ABSL_FLAG(int64_t, http_max_header_bytes, -1,
          "largest request line + headers; larger gets 431 (env "
          "LATCHKEY_HTTP_MAX_HEADER_BYTES; default 16384)");
ABSL_FLAG(int64_t, http_max_header_count, -1,
          "most request headers; more gets 431 (env "
          "LATCHKEY_HTTP_MAX_HEADER_COUNT; default 100)");
ABSL_FLAG(int64_t, http_max_url_bytes, -1,
          "longest request URL; longer gets 414 (env "
          "LATCHKEY_HTTP_MAX_URL_BYTES; default 8192)");
ABSL_FLAG(int64_t, http_request_timeout_ms, -1,
          "time to receive a whole request; slower gets 408 (env "
          "LATCHKEY_HTTP_REQUEST_TIMEOUT_MS; default 10000)");
ABSL_FLAG(int64_t, http_idle_timeout_ms, -1,
          "how long an idle keep-alive connection stays open (env "
          "LATCHKEY_HTTP_IDLE_TIMEOUT_MS; default 30000)");
ABSL_FLAG(int64_t, http_max_connections, -1,
          "most open HTTP connections; more get 503 (env "
          "LATCHKEY_HTTP_MAX_CONNECTIONS; default 4096)");
ABSL_FLAG(int64_t, http_max_connections_per_address, -1,
          "most open HTTP connections from one peer address, trusted "
          "proxies excepted; more get 503 (env "
          "LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS; default 256; 0: no cap)");
ABSL_FLAG(int, shutdown_grace_seconds, -1,
          "on SIGTERM/SIGINT, how long in-flight calls may finish (env "
          "LATCHKEY_SHUTDOWN_GRACE_SECONDS; default 10)");

ABSL_FLAG(int, shutdown_delay_seconds, -1,
          "on SIGTERM, how long new connections are still accepted after "
          "health turns NOT_SERVING (env LATCHKEY_SHUTDOWN_DELAY_SECONDS; "
          "default 0)");
ABSL_FLAG(std::string, admin_address, "",
          "admin listener HOST:PORT for GET /metrics, /healthz, /readyz (env "
          "LATCHKEY_ADMIN_ADDRESS; default none)");
ABSL_FLAG(std::string, identity_headers, "",
          "extra headers ext_authz and forward auth send upstream on an "
          "allowed request, HEADER=FIELD pairs, comma-separated, e.g. "
          "x-user-email=primary_email,x-user-name=display_name (env "
          "LATCHKEY_IDENTITY_HEADERS; default none)");
ABSL_FLAG(int64_t, log_flush_ms, -1,
          "info log lines (one per request) are gathered and written at "
          "most this many milliseconds after the first; warnings and errors "
          "are written at once; 0 writes every line at once (env "
          "LATCHKEY_LOG_FLUSH_MS; default 5, 0 to 1000)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for the gRPC and HTTP listeners, re-read "
          "when it changes (env LATCHKEY_TLS_CERT; default none: plaintext)");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key for --tls_cert (env LATCHKEY_TLS_KEY)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; gRPC clients must present a certificate it signed "
          "(env LATCHKEY_TLS_CLIENT_CA; default none)");

namespace {

int Fail(const absl::Status& status) {
  latchkey::service::StopLogBuffering();  // the lines before come first
  std::cerr << "latchkeyd: error: " << status.message() << std::endl;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // First, while this is the only thread (it sets an environment variable):
  // GnuTLS, loaded later with libpq or libcurl, then skips its start-up work.
  latchkey::system::SkipGnutlsImplicitInit();
  // Debian's Abseil leaves its mutex deadlock detector on (a debugging aid
  // of builds without NDEBUG): every Lock, and every Mutex destroyed, gRPC's
  // included, then goes through one process-wide graph behind one global
  // lock. A profile of token checks showed it at about 3% of the server's
  // time, more in lock contention between threads. The server runs without
  // it; the unit tests, which never reach this main(), keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "latchkeyd: the Latchkey identity server (gRPC + REST). Settings come "
      "from flags, then LATCHKEY_* environment variables; see README.md.");
  // absl's own --help filters flags by file name and would list none; ours
  // groups every setting with its environment variable and default.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h") {
      std::cout << latchkey::service::ServerHelpText();
      return 0;
    }
  }
  absl::ParseCommandLine(argc, argv);

  // Every thread started from here on inherits this mask, so the signals
  // reach only the sigwait below.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  using latchkey::service::LogJson;
  using latchkey::service::LogLevel;

  latchkey::service::ConfigFlags flags;
  flags.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  flags.http_address = absl::GetFlag(FLAGS_http_address);
  flags.database = absl::GetFlag(FLAGS_database);
  flags.data_dir = absl::GetFlag(FLAGS_data_dir);
  flags.public_url = absl::GetFlag(FLAGS_public_url);
  flags.dev = absl::GetFlag(FLAGS_dev);
  flags.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  flags.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  flags.password_hash_concurrency =
      absl::GetFlag(FLAGS_password_hash_concurrency);
  flags.shutdown_grace_seconds = absl::GetFlag(FLAGS_shutdown_grace_seconds);
  flags.shutdown_delay_seconds = absl::GetFlag(FLAGS_shutdown_delay_seconds);
  flags.admin_address = absl::GetFlag(FLAGS_admin_address);
  flags.identity_headers = absl::GetFlag(FLAGS_identity_headers);
  flags.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  flags.tls_key = absl::GetFlag(FLAGS_tls_key);
  flags.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  flags.http_max_body_bytes = absl::GetFlag(FLAGS_http_max_body_bytes);
  flags.http_max_header_bytes = absl::GetFlag(FLAGS_http_max_header_bytes);
  flags.http_max_header_count = absl::GetFlag(FLAGS_http_max_header_count);
  flags.argon2_max_memory_kib = absl::GetFlag(FLAGS_argon2_max_memory_kib);
  flags.argon2_max_iterations = absl::GetFlag(FLAGS_argon2_max_iterations);
  flags.argon2_max_parallelism = absl::GetFlag(FLAGS_argon2_max_parallelism);
  flags.password_hash_queue_per_project =
      absl::GetFlag(FLAGS_password_hash_queue_per_project);
  flags.token_cache_entries = absl::GetFlag(FLAGS_token_cache_entries);
  flags.user_cache_ms = absl::GetFlag(FLAGS_user_cache_ms);
  flags.http_max_url_bytes = absl::GetFlag(FLAGS_http_max_url_bytes);
  flags.http_request_timeout_ms = absl::GetFlag(FLAGS_http_request_timeout_ms);
  flags.http_idle_timeout_ms = absl::GetFlag(FLAGS_http_idle_timeout_ms);
  flags.http_max_connections = absl::GetFlag(FLAGS_http_max_connections);
  flags.http_max_connections_per_address =
      absl::GetFlag(FLAGS_http_max_connections_per_address);
  flags.log_flush_ms = absl::GetFlag(FLAGS_log_flush_ms);
  absl::StatusOr<latchkey::service::ServerConfig> config =
      latchkey::service::LoadServerConfig(
          flags, latchkey::service::ReadProcessEnvironment);
  if (!config.ok()) return Fail(config.status());
  if (config->log_flush_interval > absl::ZeroDuration()) {
    latchkey::service::StartLogBuffering(config->log_flush_interval);
  }
  if (config->dev_mode) {
    LogJson(LogLevel::kWarning,
            "dev mode: secrets are generated and kept on disk; never use "
            "--dev in production",
            {{"secrets_file", config->generated_secrets_path}});
  }

  absl::StatusOr<std::unique_ptr<latchkey::storage::Database>> database =
      latchkey::storage::OpenDatabase(config->database_url);
  if (!database.ok()) {
    return Fail(absl::Status(
        database.status().code(),
        absl::StrCat("--database: ", database.status().message())));
  }
  const std::string backend((*database)->backend_name());
  absl::StatusOr<std::unique_ptr<latchkey::service::Application>> app =
      latchkey::service::Application::Start(*config, *std::move(database));
  if (!app.ok()) return Fail(app.status());

  LogJson(LogLevel::kInfo, "latchkeyd started",
          {{"grpc_address", config->grpc_address},
           {"grpc_port", (*app)->grpc_port()},
           {"http_address", config->http_address},
           {"http_port", (*app)->http_port()},
           {"admin_port", (*app)->admin_port()},
           {"tls", config->tls.enabled()},
           {"database", backend},
           {"public_url", (*app)->config().public_url}});
  // Supervisors and scripts wait for that line: it is not left waiting.
  latchkey::service::FlushLog();

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  // Health and /readyz report the stop at once; the listeners keep taking
  // connections for the delay, so that load balancers, which poll them,
  // stop sending before connections are refused. A second signal cuts the
  // delay short.
  (*app)->BeginDrain();
  LogJson(LogLevel::kInfo, "draining",
          {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
           {"delay_seconds", absl::ToInt64Seconds(config->shutdown_delay)}});
  if (config->shutdown_delay > absl::ZeroDuration()) {
    const timespec delay = absl::ToTimespec(config->shutdown_delay);
    sigtimedwait(&shutdown_signals, nullptr, &delay);
  }
  LogJson(LogLevel::kInfo, "shutting down",
          {{"grace_seconds", absl::ToInt64Seconds(config->shutdown_grace)}});
  (*app)->Shutdown(config->shutdown_grace);
  app->reset();
  LogJson(LogLevel::kInfo, "latchkeyd stopped");
  latchkey::service::StopLogBuffering();
  return 0;
}
