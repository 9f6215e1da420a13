#ifndef SERVICE_CONFIG_SERVER_CONFIG_H_
#define SERVICE_CONFIG_SERVER_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/pipeline/trusted_proxies.h"

namespace latchkey::service {

// Keys for the internal project, seeded on first start.
struct InternalProjectKeys {
  std::string publishable_client_key;
  std::string secret_server_key;
  std::string super_secret_admin_key;
};

// Limits of the REST gateway's HTTP server.
struct HttpSettings {
  int64_t max_body_bytes = 1024 * 1024;
  int64_t max_header_bytes = 16 * 1024;
  int64_t max_header_count = 100;
  int64_t max_url_bytes = 8 * 1024;
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(30);
  int64_t max_connections = 4096;
  // Per peer address; 0 = no cap. Trusted proxies are not capped.
  int64_t max_connections_per_address = 256;
};

// Outgoing email. Without a URL: dev mode writes <data_dir>/outbox.jsonl;
// otherwise no email is sent (logged at start-up).
struct SmtpConfig {
  // LATCHKEY_SMTP_URL: smtp://user:password@host:587 (STARTTLS) or
  // smtps://... (a secret: environment only).
  std::string url;
  // LATCHKEY_SMTP_FROM: the sender address.
  std::string from;
  // LATCHKEY_SMTP_TLS: "required" (default), "opportunistic" or "none".
  std::string tls = "required";
};

// TLS on the gRPC and HTTP listeners. Off when cert_file is empty. The
// files are read at start-up and again whenever they change (a renewal
// needs no restart).
struct TlsConfig {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key
  // PEM CA bundle: when set, gRPC clients must present a certificate it
  // signed (mTLS). The HTTP listener does not ask for one.
  std::string client_ca_file;

  bool enabled() const { return !cert_file.empty(); }
};

// latchkeyd's configuration, built once at start-up and then frozen.
struct ServerConfig {
  std::string grpc_address;
  std::string http_address;
  // "sqlite:PATH" or a postgres:// URL.
  std::string database_url;
  std::string data_dir;
  // Base of JWT issuers, without a trailing slash.
  std::string public_url;
  // Whether public_url was derived from http_address (not given): then a
  // port 0 is replaced by the port actually bound.
  bool public_url_from_http_address = false;
  bool dev_mode = false;
  // base64url; at least 32 bytes of entropy.
  std::string server_secret;
  // During a secret rotation: the old secret, still published and accepted.
  std::optional<std::string> previous_server_secret;
  InternalProjectKeys internal_keys;
  // Where dev mode wrote generated secrets (empty outside dev mode).
  std::string generated_secrets_path;
  std::optional<std::string> admin_recovery_key;
  int worker_threads = 16;
  // argon2 runs at once (core::Passwords); 0 = the CPUs the process may use.
  int password_hash_concurrency = 0;
  // Load balancers and proxies whose X-Forwarded-For names the client.
  TrustedProxies trusted_proxies;
  // The most argon2 cost a project may choose (core::Argon2Ceiling): higher
  // project settings are refused, and clamped when already stored.
  int64_t argon2_max_memory_kib = 64 * 1024;
  int64_t argon2_max_iterations = 4;
  int64_t argon2_max_parallelism = 4;
  // Password hashes of one project that may wait for a hashing thread;
  // more are refused RATE_LIMITED (core::Passwords).
  int64_t password_hash_queue_per_project = 8;
  // Verified access tokens remembered until their exp
  // (core::VerifiedTokenCache); 0 turns the cache off.
  int64_t token_cache_entries = 10000;
  // How long GET /users/me may serve a user read earlier
  // (core::UserSnapshotCache): any write of this process ends it at once,
  // so only other replicas' writes can be this late. 0 turns it off.
  int64_t user_cache_ms = 1000;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Info log lines are written together at most this long after the first
  // (StartLogBuffering); zero: every line at once.
  absl::Duration log_flush_interval = absl::Milliseconds(5);
  // On SIGTERM, how long the listeners keep accepting after health turns
  // NOT_SERVING, so load balancers notice before connections are refused.
  absl::Duration shutdown_delay = absl::ZeroDuration();
  // HOST:PORT of the admin listener (GET /metrics, /healthz, /readyz);
  // empty: none.
  std::string admin_address;
  // Extra identity headers for ext_authz and forward auth, as given
  // (HEADER=FIELD,...); parsed and checked by mesh::ParseIdentityHeaders
  // at startup.
  std::string identity_headers;
  TlsConfig tls;
  HttpSettings http;
  SmtpConfig smtp;
};

// Raw settings as given on the command line; empty means "not given", and
// the environment variable (then the default) applies.
struct ConfigFlags {
  std::string grpc_address;  // LATCHKEY_GRPC_ADDRESS, 127.0.0.1:50051
  std::string http_address;  // LATCHKEY_HTTP_ADDRESS, 127.0.0.1:8080
  std::string database;      // LATCHKEY_DATABASE, sqlite:<data_dir>/latchkey.db
  std::string data_dir;      // LATCHKEY_DATA_DIR, ./latchkey-data
  std::string public_url;    // LATCHKEY_PUBLIC_URL, http://<http_address>
  bool dev = false;          // or LATCHKEY_DEV=1
  int worker_threads = 0;    // LATCHKEY_WORKER_THREADS, 16
  // LATCHKEY_PASSWORD_HASH_CONCURRENCY, the CPUs the process may use.
  int password_hash_concurrency = 0;
  // LATCHKEY_TRUSTED_PROXIES, none.
  std::string trusted_proxies;
  // -1 means not given. LATCHKEY_ARGON2_MAX_MEMORY_KIB, 65536;
  // LATCHKEY_ARGON2_MAX_ITERATIONS, 4;
  // LATCHKEY_ARGON2_MAX_PARALLELISM, 4;
  // LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT, 8.
  int64_t argon2_max_memory_kib = -1;
  int64_t argon2_max_iterations = -1;
  int64_t argon2_max_parallelism = -1;
  int64_t password_hash_queue_per_project = -1;
  int64_t token_cache_entries = -1;  // LATCHKEY_TOKEN_CACHE_ENTRIES, 10000
  int64_t user_cache_ms = -1;        // LATCHKEY_USER_CACHE_MS, 1000
  int shutdown_grace_seconds = -1;   // LATCHKEY_SHUTDOWN_GRACE_SECONDS, 10
  int shutdown_delay_seconds = -1;   // LATCHKEY_SHUTDOWN_DELAY_SECONDS, 0
  std::string admin_address;         // LATCHKEY_ADMIN_ADDRESS, none
  std::string identity_headers;      // LATCHKEY_IDENTITY_HEADERS, none
  std::string tls_cert;              // LATCHKEY_TLS_CERT, none
  std::string tls_key;               // LATCHKEY_TLS_KEY, none
  std::string tls_client_ca;         // LATCHKEY_TLS_CLIENT_CA, none
  // HTTP limits; -1 means not given. Env LATCHKEY_HTTP_<NAME IN CAPS>.
  int64_t http_max_body_bytes = -1;
  int64_t http_max_header_bytes = -1;
  int64_t http_max_header_count = -1;
  int64_t http_max_url_bytes = -1;
  int64_t http_request_timeout_ms = -1;
  int64_t http_idle_timeout_ms = -1;
  int64_t http_max_connections = -1;
  int64_t http_max_connections_per_address = -1;
  int64_t log_flush_ms = -1;  // LATCHKEY_LOG_FLUSH_MS, 5
};

// Reads an environment variable; nullopt when unset.
using EnvironmentReader =
    std::function<std::optional<std::string>(absl::string_view)>;

// The process environment.
std::optional<std::string> ReadProcessEnvironment(absl::string_view name);

// latchkeyd --help: every setting with its flag (if any), environment
// variable and default, grouped (listeners, storage, TLS, mail, limits,
// dev, secrets). Kept next to LoadServerConfig so the two change together.
std::string ServerHelpText();

// Resolves flags, environment and defaults into a validated configuration.
// In dev mode a missing server secret and missing internal-project keys
// are generated once and kept in <data_dir>/dev-secrets.env (mode 0600),
// so restarts reuse them. Returns INVALID_ARGUMENT with one line naming the
// setting and what is wrong with it (never echoing a secret's value), or
// FAILED_PRECONDITION when the data directory cannot be prepared.
absl::StatusOr<ServerConfig> LoadServerConfig(const ConfigFlags& flags,
                                              const EnvironmentReader& env);

}  // namespace latchkey::service

#endif  // SERVICE_CONFIG_SERVER_CONFIG_H_
