#include "service/config/server_config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/signing_keys.h"

namespace latchkey::service {
namespace {

constexpr char kDevSecretsFile[] = "dev-secrets.env";
constexpr size_t kMinSecretBytes = 32;

constexpr char kEnvServerSecret[] = "LATCHKEY_SERVER_SECRET";
constexpr char kEnvPreviousServerSecret[] = "LATCHKEY_PREVIOUS_SERVER_SECRET";
constexpr char kEnvPublishableKey[] =
    "LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY";
constexpr char kEnvSecretServerKey[] = "LATCHKEY_INTERNAL_SECRET_SERVER_KEY";
constexpr char kEnvAdminKey[] = "LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY";

absl::Status Invalid(absl::string_view setting, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(setting, ": ", why));
}

// flag, else environment variable, else default.
std::string Resolve(const std::string& flag_value, const EnvironmentReader& env,
                    absl::string_view env_name, std::string default_value) {
  if (!flag_value.empty()) return flag_value;
  if (std::optional<std::string> value = env(env_name);
      value.has_value() && !value->empty()) {
    return *value;
  }
  return default_value;
}

absl::Status CheckAddress(absl::string_view setting,
                          absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return Invalid(setting, absl::StrCat("\"", address,
                                         "\" is not HOST:PORT (e.g. "
                                         "127.0.0.1:8080)"));
  }
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Invalid(setting, absl::StrCat("\"", address.substr(colon + 1),
                                         "\" is not a port number"));
  }
  return absl::OkStatus();
}

// The KeyRing's own rule (so a Stack Auth secret that works there works
// here), with advice on making a good one.
absl::Status CheckSecret(absl::string_view setting, absl::string_view secret) {
  if (!crypto::ValidateServerSecret(
           std::string_view(secret.data(), secret.size()))
           .ok()) {
    return Invalid(setting,
                   "must be base64url of at least 16 random bytes (32 "
                   "recommended); generate one with: openssl rand -base64 32 "
                   "| tr '+/' '-_' | tr -d '='");
  }
  return absl::OkStatus();
}

// Keys an operator gives may be in any format (a deployment moving from
// Stack keeps its apps' keys, e.g. Stack's seeded development keys); they
// need only be long enough to guess at no better than the generated ones,
// and safe in an HTTP header. Keys Latchkey generates keep their prefixes.
constexpr size_t kMinOperatorKeyLength = 32;
constexpr size_t kMaxOperatorKeyLength = 256;

absl::Status CheckKey(absl::string_view setting, absl::string_view key) {
  if (key.size() < kMinOperatorKeyLength ||
      key.size() > kMaxOperatorKeyLength) {
    return Invalid(setting,
                   absl::StrCat("must be ", kMinOperatorKeyLength, " to ",
                                kMaxOperatorKeyLength, " characters long"));
  }
  for (char c : key) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return Invalid(setting,
                     "may contain only visible ASCII characters (no spaces)");
    }
  }
  return absl::OkStatus();
}

absl::Status EnsureDirectory(const std::string& path) {
  std::string partial;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    partial += std::string(part);
    if (!partial.empty() && ::mkdir(partial.c_str(), 0700) != 0 &&
        errno != EEXIST) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--data_dir: cannot create ", partial, ": ", std::strerror(errno)));
    }
    partial += "/";
  }
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data_dir: ", path, " is not a directory"));
  }
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--data_dir: ", path, " is not writable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// KEY=VALUE lines; '#' comments.
absl::StatusOr<std::map<std::string, std::string>> ReadEnvFile(
    const std::string& path) {
  std::map<std::string, std::string> values;
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return values;
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " holds secrets but others may read it; run: chmod 600 ", path));
  }
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  }
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    size_t eq = text.find('=');
    if (eq == absl::string_view::npos) continue;
    values[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  return values;
}

absl::Status WriteEnvFile(const std::string& path,
                          const std::map<std::string, std::string>& values) {
  std::ostringstream text;
  text << "# Generated by latchkeyd --dev. Development only: never use these "
          "in production.\n";
  for (const auto& [key, value] : values) text << key << "=" << value << "\n";
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  const std::string data = text.str();
  bool ok = ::write(fd, data.data(), data.size()) ==
                static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// Dev mode: fills in any missing secret from (or into) dev-secrets.env.
absl::Status FillDevSecrets(ServerConfig& config) {
  config.generated_secrets_path =
      absl::StrCat(config.data_dir, "/", kDevSecretsFile);
  LATCHKEY_ASSIGN_OR_RETURN(auto stored,
                            ReadEnvFile(config.generated_secrets_path));
  bool changed = false;
  auto fill = [&](std::string& target, const char* name,
                  absl::string_view prefix) -> absl::Status {
    if (!target.empty()) return absl::OkStatus();
    if (auto it = stored.find(name); it != stored.end()) {
      target = it->second;
      return absl::OkStatus();
    }
    if (prefix.empty()) {
      LATCHKEY_ASSIGN_OR_RETURN(std::string bytes,
                                crypto::RandomBytes(kMinSecretBytes));
      target = crypto::Base64UrlEncode(bytes);
    } else {
      LATCHKEY_ASSIGN_OR_RETURN(std::string token, crypto::RandomToken());
      target = absl::StrCat(prefix, token);
    }
    stored[name] = target;
    changed = true;
    return absl::OkStatus();
  };
  LATCHKEY_RETURN_IF_ERROR(fill(config.server_secret, kEnvServerSecret, ""));
  LATCHKEY_RETURN_IF_ERROR(fill(config.internal_keys.publishable_client_key,
                                kEnvPublishableKey, "pck_"));
  LATCHKEY_RETURN_IF_ERROR(fill(config.internal_keys.secret_server_key,
                                kEnvSecretServerKey, "ssk_"));
  LATCHKEY_RETURN_IF_ERROR(
      fill(config.internal_keys.super_secret_admin_key, kEnvAdminKey, "sak_"));
  if (changed) {
    LATCHKEY_RETURN_IF_ERROR(
        WriteEnvFile(config.generated_secrets_path, stored));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> ReadProcessEnvironment(absl::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<ServerConfig> LoadServerConfig(const ConfigFlags& flags,
                                              const EnvironmentReader& env) {
  ServerConfig config;
  config.grpc_address = Resolve(flags.grpc_address, env,
                                "LATCHKEY_GRPC_ADDRESS", "127.0.0.1:50051");
  LATCHKEY_RETURN_IF_ERROR(CheckAddress("--grpc_address", config.grpc_address));
  config.http_address = Resolve(flags.http_address, env,
                                "LATCHKEY_HTTP_ADDRESS", "127.0.0.1:8080");
  LATCHKEY_RETURN_IF_ERROR(CheckAddress("--http_address", config.http_address));

  config.data_dir =
      Resolve(flags.data_dir, env, "LATCHKEY_DATA_DIR", "./latchkey-data");
  while (config.data_dir.size() > 1 && config.data_dir.back() == '/') {
    config.data_dir.pop_back();
  }
  config.database_url =
      Resolve(flags.database, env, "LATCHKEY_DATABASE",
              absl::StrCat("sqlite:", config.data_dir, "/latchkey.db"));
  if (!absl::StartsWith(config.database_url, "sqlite:") &&
      !absl::StartsWith(config.database_url, "postgres://") &&
      !absl::StartsWith(config.database_url, "postgresql://")) {
    return Invalid("--database", "must be sqlite:PATH or a postgres:// URL");
  }
  config.public_url = Resolve(flags.public_url, env, "LATCHKEY_PUBLIC_URL", "");
  if (config.public_url.empty()) {
    config.public_url = absl::StrCat("http://", config.http_address);
    config.public_url_from_http_address = true;
  }
  while (absl::EndsWith(config.public_url, "/")) config.public_url.pop_back();
  if (!absl::StartsWith(config.public_url, "http://") &&
      !absl::StartsWith(config.public_url, "https://")) {
    return Invalid("--public_url", "must start with http:// or https://");
  }

  config.dev_mode = flags.dev || env("LATCHKEY_DEV").value_or("") == "1";

  const std::string threads = Resolve(
      flags.worker_threads > 0 ? std::to_string(flags.worker_threads) : "", env,
      "LATCHKEY_WORKER_THREADS", "16");
  if (!absl::SimpleAtoi(threads, &config.worker_threads) ||
      config.worker_threads < 1 || config.worker_threads > 1024) {
    return Invalid("--worker_threads", "must be a number from 1 to 1024");
  }
  const std::string hashes =
      Resolve(flags.password_hash_concurrency > 0
                  ? std::to_string(flags.password_hash_concurrency)
                  : "",
              env, "LATCHKEY_PASSWORD_HASH_CONCURRENCY", "0");
  if (!absl::SimpleAtoi(hashes, &config.password_hash_concurrency) ||
      config.password_hash_concurrency < 0 ||
      config.password_hash_concurrency > 1024) {
    return Invalid("--password_hash_concurrency",
                   "must be a number from 1 to 1024 (0: the number of CPUs)");
  }
  // The argon2 ceiling: at least a project's own minimum (1 MiB, t=1), at
  // most what crypto::PasswordHasher accepts (1 GiB, t=16).
  const struct {
    const char* flag;
    const char* env;
    int64_t given;
    int64_t* target;
    int64_t min;
    int64_t max;
  } hash_limits[] = {
      {"--argon2_max_memory_kib", "LATCHKEY_ARGON2_MAX_MEMORY_KIB",
       flags.argon2_max_memory_kib, &config.argon2_max_memory_kib, 1024,
       1024 * 1024},
      {"--argon2_max_iterations", "LATCHKEY_ARGON2_MAX_ITERATIONS",
       flags.argon2_max_iterations, &config.argon2_max_iterations, 1, 16},
      {"--argon2_max_parallelism", "LATCHKEY_ARGON2_MAX_PARALLELISM",
       flags.argon2_max_parallelism, &config.argon2_max_parallelism, 1, 16},
      {"--password_hash_queue_per_project",
       "LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT",
       flags.password_hash_queue_per_project,
       &config.password_hash_queue_per_project, 1, 100000},
      {"--token_cache_entries", "LATCHKEY_TOKEN_CACHE_ENTRIES",
       flags.token_cache_entries, &config.token_cache_entries, 0, 1000000},
      {"--user_cache_ms", "LATCHKEY_USER_CACHE_MS", flags.user_cache_ms,
       &config.user_cache_ms, 0, 60000},
  };
  for (const auto& limit : hash_limits) {
    const std::string text =
        Resolve(limit.given >= 0 ? std::to_string(limit.given) : "", env,
                limit.env, std::to_string(*limit.target));
    if (!absl::SimpleAtoi(text, limit.target) || *limit.target < limit.min ||
        *limit.target > limit.max) {
      return Invalid(limit.flag, absl::StrCat("must be a number from ",
                                              limit.min, " to ", limit.max));
    }
  }
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(
      Resolve(flags.trusted_proxies, env, "LATCHKEY_TRUSTED_PROXIES", ""));
  if (!proxies.ok()) {
    return Invalid("--trusted_proxies", proxies.status().message());
  }
  config.trusted_proxies = *std::move(proxies);
  const std::string grace =
      Resolve(flags.shutdown_grace_seconds >= 0
                  ? std::to_string(flags.shutdown_grace_seconds)
                  : "",
              env, "LATCHKEY_SHUTDOWN_GRACE_SECONDS", "10");
  int grace_seconds = 0;
  if (!absl::SimpleAtoi(grace, &grace_seconds) || grace_seconds < 0 ||
      grace_seconds > 3600) {
    return Invalid("--shutdown_grace_seconds",
                   "must be a number of seconds from 0 to 3600");
  }
  config.shutdown_grace = absl::Seconds(grace_seconds);
  const std::string delay =
      Resolve(flags.shutdown_delay_seconds >= 0
                  ? std::to_string(flags.shutdown_delay_seconds)
                  : "",
              env, "LATCHKEY_SHUTDOWN_DELAY_SECONDS", "0");
  int delay_seconds = 0;
  if (!absl::SimpleAtoi(delay, &delay_seconds) || delay_seconds < 0 ||
      delay_seconds > 300) {
    return Invalid("--shutdown_delay_seconds",
                   "must be a number of seconds from 0 to 300");
  }
  config.shutdown_delay = absl::Seconds(delay_seconds);

  config.admin_address =
      Resolve(flags.admin_address, env, "LATCHKEY_ADMIN_ADDRESS", "");
  if (!config.admin_address.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckAddress("--admin_address", config.admin_address));
    // Metrics name every method and error rate: never on a public port by
    // accident (port 0 picks distinct free ports, so it may repeat).
    if (!absl::EndsWith(config.admin_address, ":0") &&
        (config.admin_address == config.http_address ||
         config.admin_address == config.grpc_address)) {
      return Invalid("--admin_address",
                     "must differ from --http_address and --grpc_address");
    }
  }

  config.identity_headers =
      Resolve(flags.identity_headers, env, "LATCHKEY_IDENTITY_HEADERS", "");

  config.tls.cert_file = Resolve(flags.tls_cert, env, "LATCHKEY_TLS_CERT", "");
  config.tls.key_file = Resolve(flags.tls_key, env, "LATCHKEY_TLS_KEY", "");
  config.tls.client_ca_file =
      Resolve(flags.tls_client_ca, env, "LATCHKEY_TLS_CLIENT_CA", "");
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return Invalid(config.tls.cert_file.empty() ? "--tls_cert" : "--tls_key",
                   "--tls_cert and --tls_key go together");
  }
  if (!config.tls.client_ca_file.empty() && config.tls.cert_file.empty()) {
    return Invalid("--tls_client_ca", "needs --tls_cert and --tls_key");
  }

  // HTTP limits and the log flush interval: flag, else the LATCHKEY_*
  // variable, else the default; each within a range that keeps the server
  // usable.
  struct Limit {
    const char* flag;
    const char* env;
    int64_t given;
    int64_t* target;
    int64_t min;
    int64_t max;
  };
  int64_t request_timeout_ms =
      absl::ToInt64Milliseconds(config.http.request_timeout);
  int64_t idle_timeout_ms = absl::ToInt64Milliseconds(config.http.idle_timeout);
  int64_t log_flush_ms = absl::ToInt64Milliseconds(config.log_flush_interval);
  const Limit limits[] = {
      {"--http_max_body_bytes", "LATCHKEY_HTTP_MAX_BODY_BYTES",
       flags.http_max_body_bytes, &config.http.max_body_bytes, 1024,
       int64_t{64} << 20},
      {"--http_max_header_bytes", "LATCHKEY_HTTP_MAX_HEADER_BYTES",
       flags.http_max_header_bytes, &config.http.max_header_bytes, 1024,
       1 << 20},
      {"--http_max_header_count", "LATCHKEY_HTTP_MAX_HEADER_COUNT",
       flags.http_max_header_count, &config.http.max_header_count, 10, 1000},
      {"--http_max_url_bytes", "LATCHKEY_HTTP_MAX_URL_BYTES",
       flags.http_max_url_bytes, &config.http.max_url_bytes, 256, 1 << 20},
      {"--http_request_timeout_ms", "LATCHKEY_HTTP_REQUEST_TIMEOUT_MS",
       flags.http_request_timeout_ms, &request_timeout_ms, 50, 600000},
      {"--http_idle_timeout_ms", "LATCHKEY_HTTP_IDLE_TIMEOUT_MS",
       flags.http_idle_timeout_ms, &idle_timeout_ms, 50, 3600000},
      {"--http_max_connections", "LATCHKEY_HTTP_MAX_CONNECTIONS",
       flags.http_max_connections, &config.http.max_connections, 1, 1000000},
      {"--http_max_connections_per_address",
       "LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS",
       flags.http_max_connections_per_address,
       &config.http.max_connections_per_address, 0, 1000000},
      {"--log_flush_ms", "LATCHKEY_LOG_FLUSH_MS", flags.log_flush_ms,
       &log_flush_ms, 0, 1000},
  };
  for (const Limit& limit : limits) {
    std::string text =
        Resolve(limit.given >= 0 ? std::to_string(limit.given) : "", env,
                limit.env, std::to_string(*limit.target));
    int64_t value = 0;
    if (!absl::SimpleAtoi(text, &value) || value < limit.min ||
        value > limit.max) {
      return Invalid(limit.flag, absl::StrCat("must be a number from ",
                                              limit.min, " to ", limit.max));
    }
    *limit.target = value;
  }
  config.http.request_timeout = absl::Milliseconds(request_timeout_ms);
  config.http.idle_timeout = absl::Milliseconds(idle_timeout_ms);
  config.log_flush_interval = absl::Milliseconds(log_flush_ms);

  config.server_secret = env(kEnvServerSecret).value_or("");
  config.internal_keys.publishable_client_key =
      env(kEnvPublishableKey).value_or("");
  config.internal_keys.secret_server_key =
      env(kEnvSecretServerKey).value_or("");
  config.internal_keys.super_secret_admin_key = env(kEnvAdminKey).value_or("");
  if (std::optional<std::string> previous = env(kEnvPreviousServerSecret);
      previous.has_value() && !previous->empty()) {
    config.previous_server_secret = *previous;
  }
  if (std::optional<std::string> recovery = env("LATCHKEY_ADMIN_RECOVERY_KEY");
      recovery.has_value() && !recovery->empty()) {
    if (recovery->size() < 32) {
      return Invalid("LATCHKEY_ADMIN_RECOVERY_KEY",
                     "must be at least 32 characters");
    }
    config.admin_recovery_key = *recovery;
  }

  config.smtp.url = env("LATCHKEY_SMTP_URL").value_or("");
  config.smtp.from = env("LATCHKEY_SMTP_FROM").value_or("");
  config.smtp.tls = env("LATCHKEY_SMTP_TLS").value_or("required");
  if (config.smtp.tls != "required" && config.smtp.tls != "opportunistic" &&
      config.smtp.tls != "none") {
    return Invalid("LATCHKEY_SMTP_TLS",
                   "must be required, opportunistic or none");
  }
  if (!config.smtp.url.empty()) {
    if (!absl::StartsWith(config.smtp.url, "smtp://") &&
        !absl::StartsWith(config.smtp.url, "smtps://")) {
      return Invalid("LATCHKEY_SMTP_URL",
                     "must start with smtp:// or smtps://");
    }
    if (config.smtp.from.empty() ||
        config.smtp.from.find('@') == std::string::npos) {
      return Invalid("LATCHKEY_SMTP_FROM",
                     "must be the sender's email address when "
                     "LATCHKEY_SMTP_URL is set");
    }
  }

  if (config.server_secret.empty() && !config.dev_mode) {
    return Invalid(kEnvServerSecret,
                   "is not set; it signs every token. Set it (see README.md), "
                   "or pass --dev for local development");
  }
  LATCHKEY_RETURN_IF_ERROR(EnsureDirectory(config.data_dir));
  if (config.dev_mode) LATCHKEY_RETURN_IF_ERROR(FillDevSecrets(config));

  LATCHKEY_RETURN_IF_ERROR(CheckSecret(kEnvServerSecret, config.server_secret));
  if (config.previous_server_secret.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckSecret(kEnvPreviousServerSecret, *config.previous_server_secret));
  }
  const InternalProjectKeys& keys = config.internal_keys;
  if (!keys.publishable_client_key.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckKey(kEnvPublishableKey, keys.publishable_client_key));
  }
  if (!keys.secret_server_key.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckKey(kEnvSecretServerKey, keys.secret_server_key));
  }
  if (!keys.super_secret_admin_key.empty()) {
    LATCHKEY_RETURN_IF_ERROR(
        CheckKey(kEnvAdminKey, keys.super_secret_admin_key));
  }
  return config;
}

namespace {

struct SettingHelp {
  const char* flag;  // without "--"; empty for environment-only settings
  const char* env;
  const char* default_value;
  const char* description;
};

struct SettingGroup {
  const char* title;
  std::vector<SettingHelp> settings;
};

const std::vector<SettingGroup>& SettingGroups() {
  static const auto* groups = new std::vector<SettingGroup>{
      {"Listeners",
       {{"grpc_address", "LATCHKEY_GRPC_ADDRESS", "127.0.0.1:50051",
         "gRPC listen address, HOST:PORT (port 0: any free port)"},
        {"http_address", "LATCHKEY_HTTP_ADDRESS", "127.0.0.1:8080",
         "REST listen address, HOST:PORT"},
        {"public_url", "LATCHKEY_PUBLIC_URL", "http://<http_address>",
         "public base URL, used in JWT issuers"},
        {"trusted_proxies", "LATCHKEY_TRUSTED_PROXIES", "none",
         "comma-separated addresses and CIDR networks of proxies whose "
         "X-Forwarded-For names the client (at most 64)"},
        {"shutdown_grace_seconds", "LATCHKEY_SHUTDOWN_GRACE_SECONDS", "10",
         "on SIGTERM/SIGINT, how long in-flight calls may finish"},
        {"shutdown_delay_seconds", "LATCHKEY_SHUTDOWN_DELAY_SECONDS", "0",
         "on SIGTERM, how long new connections are still accepted after "
         "health turns NOT_SERVING and /readyz 503 (0 to 300)"},
        {"admin_address", "LATCHKEY_ADMIN_ADDRESS", "none",
         "admin listener HOST:PORT serving GET /metrics (Prometheus), "
         "/healthz and /readyz; keep it private"},
        {"identity_headers", "LATCHKEY_IDENTITY_HEADERS", "none",
         "extra headers ext_authz and forward auth send upstream, "
         "HEADER=FIELD,... (at most 16; fields primary_email, "
         "primary_email_verified, display_name, session_id, branch_id, "
         "is_restricted, restricted_reason, signed_up_at)"}}},
      {"Logging",
       {{"log_flush_ms", "LATCHKEY_LOG_FLUSH_MS", "5",
         "info lines (one per request) are written together at most this "
         "many milliseconds after the first, and at shutdown; warnings and "
         "errors at once; 0 writes every line at once (0 to 1000)"}}},
      {"Storage",
       {{"database", "LATCHKEY_DATABASE", "sqlite:<data_dir>/latchkey.db",
         "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB"},
        {"data_dir", "LATCHKEY_DATA_DIR", "./latchkey-data",
         "directory for the SQLite file and dev-mode secrets"}}},
      {"TLS",
       {{"tls_cert", "LATCHKEY_TLS_CERT", "none (plaintext)",
         "PEM certificate chain for the gRPC and HTTP listeners; re-read "
         "when the file changes or on SIGHUP"},
        {"tls_key", "LATCHKEY_TLS_KEY", "none", "PEM private key"},
        {"tls_client_ca", "LATCHKEY_TLS_CLIENT_CA", "none",
         "PEM CA bundle: gRPC clients must present a certificate it signed "
         "(mTLS)"}}},
      {"Mail",
       {{"", "LATCHKEY_SMTP_URL", "none",
         "smtp://[user:password@]host:587 (STARTTLS) or smtps://host:465; "
         "without it dev mode writes <data_dir>/outbox.jsonl and otherwise "
         "no email is sent"},
        {"", "LATCHKEY_SMTP_FROM", "none",
         "sender address (required with LATCHKEY_SMTP_URL)"},
        {"", "LATCHKEY_SMTP_TLS", "required",
         "required, opportunistic or none (local relays)"}}},
      {"Limits",
       {{"worker_threads", "LATCHKEY_WORKER_THREADS", "16",
         "threads running method handlers"},
        {"password_hash_concurrency", "LATCHKEY_PASSWORD_HASH_CONCURRENCY",
         "the CPUs the process may use",
         "argon2 password hashes computed at once; more wait their turn"},
        {"password_hash_queue_per_project",
         "LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT", "8",
         "hashes of one project that may wait; more get 429 RATE_LIMITED"},
        {"token_cache_entries", "LATCHKEY_TOKEN_CACHE_ENTRIES", "10000",
         "verified access tokens remembered until their exp (0 to 1000000; "
         "0 turns the cache off)"},
        {"user_cache_ms", "LATCHKEY_USER_CACHE_MS", "1000",
         "how long GET /users/me may answer from a user read earlier; a "
         "write of this server ends it at once, another replica's after "
         "this long (0 to 60000; 0 turns the cache off)"},
        {"argon2_max_memory_kib", "LATCHKEY_ARGON2_MAX_MEMORY_KIB", "65536",
         "the most argon2 memory a project may configure (1024 to 1048576)"},
        {"argon2_max_iterations", "LATCHKEY_ARGON2_MAX_ITERATIONS", "4",
         "the most argon2 iterations a project may configure (1 to 16)"},
        {"argon2_max_parallelism", "LATCHKEY_ARGON2_MAX_PARALLELISM", "4",
         "the most argon2 lanes a project may configure (1 to 16)"},
        {"http_max_body_bytes", "LATCHKEY_HTTP_MAX_BODY_BYTES", "1048576",
         "largest request body; larger gets 413"},
        {"http_max_header_bytes", "LATCHKEY_HTTP_MAX_HEADER_BYTES", "16384",
         "largest request line + headers; larger gets 431"},
        {"http_max_header_count", "LATCHKEY_HTTP_MAX_HEADER_COUNT", "100",
         "most request headers; more gets 431"},
        {"http_max_url_bytes", "LATCHKEY_HTTP_MAX_URL_BYTES", "8192",
         "longest request URL; longer gets 414"},
        {"http_request_timeout_ms", "LATCHKEY_HTTP_REQUEST_TIMEOUT_MS", "10000",
         "time to receive a whole request; slower gets 408"},
        {"http_idle_timeout_ms", "LATCHKEY_HTTP_IDLE_TIMEOUT_MS", "30000",
         "how long an idle keep-alive connection stays open"},
        {"http_max_connections", "LATCHKEY_HTTP_MAX_CONNECTIONS", "4096",
         "most open HTTP connections; more get 503"},
        {"http_max_connections_per_address",
         "LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "256",
         "most open HTTP connections from one address (0: no cap; trusted "
         "proxies excepted)"}}},
      {"Dev",
       {{"dev", "LATCHKEY_DEV=1", "off",
         "development mode: generate the server secret and internal keys "
         "once and keep them in <data_dir>/dev-secrets.env; never in "
         "production"}}},
      {"Secrets (environment only: flags show in ps)",
       {{"", "LATCHKEY_SERVER_SECRET", "required unless --dev",
         "base64url of at least 32 random bytes; every signing key derives "
         "from it"},
        {"", "LATCHKEY_PREVIOUS_SERVER_SECRET", "none",
         "during a rotation: the old secret, still published and accepted"},
        {"", "LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY", "generated in dev",
         "internal project keys seeded on first start (32 to 256 visible "
         "ASCII characters)"},
        {"", "LATCHKEY_INTERNAL_SECRET_SERVER_KEY", "generated in dev", ""},
        {"", "LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY", "generated in dev",
         ""},
        {"", "LATCHKEY_ADMIN_RECOVERY_KEY", "none",
         "enables operator password recovery (at least 32 characters)"}}},
  };
  return *groups;
}

}  // namespace

std::string ServerHelpText() {
  std::string text =
      "latchkeyd: the Latchkey identity server (gRPC + REST).\n"
      "Usage: latchkeyd [--flag=value ...]\n"
      "A flag wins over its environment variable, which wins over the "
      "default.\n";
  for (const SettingGroup& group : SettingGroups()) {
    absl::StrAppend(&text, "\n", group.title, ":\n");
    for (const SettingHelp& setting : group.settings) {
      std::string head =
          setting.flag[0] != '\0' ? absl::StrCat("--", setting.flag) : "";
      if (setting.env[0] != '\0') {
        absl::StrAppend(&head, head.empty() ? "" : "  ", "env ", setting.env);
      }
      if (setting.default_value[0] != '\0') {
        absl::StrAppend(&head, "  default: ", setting.default_value);
      }
      if (!head.empty()) absl::StrAppend(&text, "  ", head, "\n");
      if (setting.description[0] != '\0') {
        absl::StrAppend(&text, "      ", setting.description, "\n");
      }
    }
  }
  absl::StrAppend(&text,
                  "\nlatchkeyd --helpfull lists every flag of the binary, "
                  "including the libraries' own.\n");
  return text;
}

}  // namespace latchkey::service
