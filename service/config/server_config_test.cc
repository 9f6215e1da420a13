#include "service/config/server_config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

std::string TempDir() {
  std::string pattern = std::string(std::getenv("TEST_TMPDIR")) + "/cfgXXXXXX";
  return mkdtemp(pattern.data());
}

EnvironmentReader Env(std::map<std::string, std::string> values) {
  return [values](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(LoadServerConfig, DefaultsAndEnvironmentFallbacks) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto config =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                   {"LATCHKEY_HTTP_ADDRESS", "0.0.0.0:9000"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_address, "127.0.0.1:50051");
  EXPECT_EQ(config->http_address, "0.0.0.0:9000");
  EXPECT_EQ(config->database_url, "sqlite:" + flags.data_dir + "/latchkey.db");
  EXPECT_EQ(config->public_url, "http://0.0.0.0:9000");
  EXPECT_FALSE(config->dev_mode);
}

TEST(LoadServerConfig, FlagsWinOverEnvironment) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  flags.grpc_address = "127.0.0.1:7000";
  flags.public_url = "https://auth.example.com/";
  auto config = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_GRPC_ADDRESS", "127.0.0.1:6000"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_address, "127.0.0.1:7000");
  EXPECT_EQ(config->public_url, "https://auth.example.com");
}

TEST(LoadServerConfig, MissingSecretOutsideDevModeIsAnError) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto config = LoadServerConfig(flags, Env({}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("LATCHKEY_SERVER_SECRET"),
            absl::string_view::npos);
}

TEST(LoadServerConfig, ShortOrMalformedSecretsAreRefused) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  for (const char* bad : {"c2hvcnQ", "not base64url!", "AAAA===="}) {
    auto config =
        LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", bad}}));
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(LoadServerConfig, BadSettingsAreNamed) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto env = Env({{"LATCHKEY_SERVER_SECRET", kSecret}});
  ConfigFlags bad_port = flags;
  bad_port.http_address = "127.0.0.1:99999";
  EXPECT_NE(
      LoadServerConfig(bad_port, env).status().message().find("--http_address"),
      absl::string_view::npos);
  ConfigFlags bad_db = flags;
  bad_db.database = "mysql://x";
  EXPECT_NE(LoadServerConfig(bad_db, env).status().message().find("--database"),
            absl::string_view::npos);
  for (const char* bad :
       {"ssk_tooshort", "a key with spaces in it that is long enough",
        "\x01control-bytes-in-a-key-that-is-long-enough"}) {
    auto bad_key = LoadServerConfig(
        flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                    {"LATCHKEY_INTERNAL_SECRET_SERVER_KEY", bad}}));
    EXPECT_NE(
        bad_key.status().message().find("LATCHKEY_INTERNAL_SECRET_SERVER_KEY"),
        absl::string_view::npos)
        << bad;
  }
}

// A deployment moving from Stack keeps its apps' keys: Stack's seeded
// development keys, with no prefix of ours, are accepted as they are.
TEST(LoadServerConfig, OperatorKeysMayBeInAnyFormatOfSufficientLength) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  const std::string publishable =
      "this-publishable-client-key-is-for-local-development-only";
  const std::string secret =
      "this-secret-server-key-is-for-local-development-only";
  const std::string admin =
      "this-super-secret-admin-key-is-for-local-development-only";
  auto config = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY", publishable},
                  {"LATCHKEY_INTERNAL_SECRET_SERVER_KEY", secret},
                  {"LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY", admin}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->internal_keys.publishable_client_key, publishable);
  EXPECT_EQ(config->internal_keys.secret_server_key, secret);
  EXPECT_EQ(config->internal_keys.super_secret_admin_key, admin);
}

TEST(LoadServerConfig, PasswordHashConcurrency) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->password_hash_concurrency, 0) << "0: the number of CPUs";
  auto from_env = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_PASSWORD_HASH_CONCURRENCY", "3"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->password_hash_concurrency, 3);
  for (const char* bad : {"-1", "1025", "many"}) {
    auto config = LoadServerConfig(
        flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                    {"LATCHKEY_PASSWORD_HASH_CONCURRENCY", bad}}));
    EXPECT_NE(config.status().message().find("--password_hash_concurrency"),
              absl::string_view::npos)
        << bad;
  }
}

TEST(LoadServerConfig, Argon2CeilingAndHashQueuePerProject) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->argon2_max_memory_kib, 65536);
  EXPECT_EQ(defaults->argon2_max_iterations, 4);
  EXPECT_EQ(defaults->argon2_max_parallelism, 4);
  EXPECT_EQ(defaults->password_hash_queue_per_project, 8);
  auto from_env = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_ARGON2_MAX_MEMORY_KIB", "32768"},
                  {"LATCHKEY_ARGON2_MAX_ITERATIONS", "3"},
                  {"LATCHKEY_ARGON2_MAX_PARALLELISM", "2"},
                  {"LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT", "2"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->argon2_max_memory_kib, 32768);
  EXPECT_EQ(from_env->argon2_max_iterations, 3);
  EXPECT_EQ(from_env->argon2_max_parallelism, 2);
  EXPECT_EQ(from_env->password_hash_queue_per_project, 2);
  ConfigFlags given = flags;
  given.argon2_max_memory_kib = 131072;
  auto from_flag = LoadServerConfig(
      given, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_ARGON2_MAX_MEMORY_KIB", "32768"}}));
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->argon2_max_memory_kib, 131072);
  const std::pair<const char*, const char*> bad[] = {
      {"LATCHKEY_ARGON2_MAX_MEMORY_KIB", "1023"},
      {"LATCHKEY_ARGON2_MAX_MEMORY_KIB", "4194304"},
      {"LATCHKEY_ARGON2_MAX_ITERATIONS", "0"},
      {"LATCHKEY_ARGON2_MAX_ITERATIONS", "17"},
      {"LATCHKEY_ARGON2_MAX_PARALLELISM", "0"},
      {"LATCHKEY_ARGON2_MAX_PARALLELISM", "17"},
      {"LATCHKEY_PASSWORD_HASH_QUEUE_PER_PROJECT", "0"},
  };
  for (const auto& [name, value] : bad) {
    auto config = LoadServerConfig(
        flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}, {name, value}}));
    EXPECT_FALSE(config.ok()) << name << "=" << value;
  }
}

TEST(LoadServerConfig, TokenCacheEntries) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->token_cache_entries, 10000);
  auto off =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                   {"LATCHKEY_TOKEN_CACHE_ENTRIES", "0"}}));
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->token_cache_entries, 0);
  for (const char* bad : {"-1", "1000001", "many"}) {
    auto config =
        LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                     {"LATCHKEY_TOKEN_CACHE_ENTRIES", bad}}));
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_NE(config.status().message().find("--token_cache_entries"),
              absl::string_view::npos);
  }
}

TEST(LoadServerConfig, UserCacheMs) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->user_cache_ms, 1000);
  flags.user_cache_ms = 0;
  auto off = LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                          {"LATCHKEY_USER_CACHE_MS", "250"}}));
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->user_cache_ms, 0);  // the flag wins over the environment
  flags.user_cache_ms = -1;
  for (const char* bad : {"-1", "60001", "soon"}) {
    auto config =
        LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                     {"LATCHKEY_USER_CACHE_MS", bad}}));
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_NE(config.status().message().find("--user_cache_ms"),
              absl::string_view::npos);
  }
}

TEST(LoadServerConfig, TrustedProxies) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto none =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->trusted_proxies.empty());
  auto some = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"}}));
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_TRUE(some->trusted_proxies.Contains("10.9.8.7"));
  EXPECT_FALSE(some->trusted_proxies.Contains("192.0.2.2"));
  flags.trusted_proxies = "10.0.0.0/99";
  auto bad =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  EXPECT_NE(bad.status().message().find("--trusted_proxies"),
            absl::string_view::npos)
      << bad.status();
}

TEST(LoadServerConfig, DevModeGeneratesSecretsOnceWithPrivatePermissions) {
  ConfigFlags flags;
  flags.data_dir = TempDir() + "/nested/data";
  flags.dev = true;
  auto first = LoadServerConfig(flags, Env({}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->internal_keys.super_secret_admin_key.substr(0, 4), "sak_");
  EXPECT_EQ(first->internal_keys.publishable_client_key.substr(0, 4), "pck_");
  struct stat info;
  ASSERT_EQ(stat(first->generated_secrets_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);

  auto second = LoadServerConfig(flags, Env({}));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->server_secret, first->server_secret);
  EXPECT_EQ(second->internal_keys.super_secret_admin_key,
            first->internal_keys.super_secret_admin_key);

  // An explicitly given secret wins over the stored one.
  auto given =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->server_secret, kSecret);
}

TEST(LoadServerConfig, WorldReadableDevSecretsAreRefused) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  flags.dev = true;
  ASSERT_TRUE(LoadServerConfig(flags, Env({})).ok());
  std::string path = flags.data_dir + "/dev-secrets.env";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto config = LoadServerConfig(flags, Env({}));
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(config.status().message().find("chmod 600"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace latchkey::service

namespace latchkey::service {
namespace {

TEST(LoadServerConfig, LogFlushIntervalFromFlagOrEnvironment) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->log_flush_interval, absl::Milliseconds(5));
  auto off = LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                          {"LATCHKEY_LOG_FLUSH_MS", "0"}}));
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->log_flush_interval, absl::ZeroDuration());
  flags.log_flush_ms = 250;
  auto from_flag =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                   {"LATCHKEY_LOG_FLUSH_MS", "0"}}));
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->log_flush_interval, absl::Milliseconds(250));
  flags.log_flush_ms = -1;
  for (const char* bad : {"-1", "1001", "soon"}) {
    auto config =
        LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                                     {"LATCHKEY_LOG_FLUSH_MS", bad}}));
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_NE(config.status().message().find(
                  "--log_flush_ms: must be a number from 0 to 1000"),
              absl::string_view::npos)
        << config.status();
  }
}

TEST(LoadServerConfig, HttpLimitsFromFlagsAndEnvironmentWithinRanges) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  flags.http_max_body_bytes = 4096;
  auto config = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_HTTP_REQUEST_TIMEOUT_MS", "250"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.max_body_bytes, 4096);
  EXPECT_EQ(config->http.request_timeout, absl::Milliseconds(250));
  EXPECT_EQ(config->http.idle_timeout, absl::Seconds(30));

  flags.http_max_body_bytes = 10;
  auto tiny =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  EXPECT_NE(tiny.status().message().find("--http_max_body_bytes: must be a "
                                         "number from 1024"),
            absl::string_view::npos)
      << tiny.status();
}

}  // namespace
}  // namespace latchkey::service

namespace latchkey::service {
namespace {

TEST(LoadServerConfig, ConnectionsPerAddressFromFlagOrEnvironment) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->http.max_connections_per_address, 256);

  auto from_env = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "0"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->http.max_connections_per_address, 0);  // no cap

  flags.http_max_connections_per_address = 32;
  auto from_flag = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "0"}}));
  ASSERT_TRUE(from_flag.ok()) << from_flag.status();
  EXPECT_EQ(from_flag->http.max_connections_per_address, 32);

  flags.http_max_connections_per_address = -1;
  auto bad = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "lots"}}));
  EXPECT_NE(bad.status().message().find(
                "--http_max_connections_per_address: must be a number"),
            absl::string_view::npos)
      << bad.status();
}

}  // namespace
}  // namespace latchkey::service

namespace latchkey::service {
namespace {

TEST(LoadServerConfig, MeshOperationsSettings) {
  ConfigFlags flags;
  flags.data_dir = TempDir();
  auto defaults =
      LoadServerConfig(flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->admin_address, "");
  EXPECT_FALSE(defaults->tls.enabled());
  EXPECT_EQ(defaults->shutdown_delay, absl::ZeroDuration());

  flags.admin_address = "127.0.0.1:9464";
  flags.tls_cert = "/etc/latchkey/tls.crt";
  flags.shutdown_delay_seconds = 5;
  auto given = LoadServerConfig(
      flags, Env({{"LATCHKEY_SERVER_SECRET", kSecret},
                  {"LATCHKEY_TLS_KEY", "/etc/latchkey/tls.key"},
                  {"LATCHKEY_TLS_CLIENT_CA", "/etc/latchkey/ca.pem"}}));
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(given->admin_address, "127.0.0.1:9464");
  EXPECT_EQ(given->tls.cert_file, "/etc/latchkey/tls.crt");
  EXPECT_EQ(given->tls.key_file, "/etc/latchkey/tls.key");
  EXPECT_EQ(given->tls.client_ca_file, "/etc/latchkey/ca.pem");
  EXPECT_EQ(given->shutdown_delay, absl::Seconds(5));
}

TEST(LoadServerConfig, MeshOperationsSettingsAreChecked) {
  const auto env = Env({{"LATCHKEY_SERVER_SECRET", kSecret}});
  auto message = [&](ConfigFlags flags) {
    flags.data_dir = TempDir();
    auto config = LoadServerConfig(flags, env);
    return config.ok() ? std::string("ok")
                       : std::string(config.status().message());
  };
  ConfigFlags on_public;
  on_public.http_address = "0.0.0.0:8080";
  on_public.admin_address = "0.0.0.0:8080";
  EXPECT_THAT(message(on_public), testing::HasSubstr("--admin_address"));
  ConfigFlags bad_admin;
  bad_admin.admin_address = "nowhere";
  EXPECT_THAT(message(bad_admin), testing::HasSubstr("--admin_address"));
  ConfigFlags cert_only;
  cert_only.tls_cert = "/c.pem";
  EXPECT_THAT(message(cert_only), testing::HasSubstr("go together"));
  ConfigFlags ca_only;
  ca_only.tls_client_ca = "/ca.pem";
  EXPECT_THAT(message(ca_only), testing::HasSubstr("--tls_client_ca"));
  ConfigFlags long_delay;
  long_delay.shutdown_delay_seconds = 301;
  EXPECT_THAT(message(long_delay),
              testing::HasSubstr("--shutdown_delay_seconds"));
  ConfigFlags two_port_zero;
  two_port_zero.http_address = "127.0.0.1:0";
  two_port_zero.admin_address = "127.0.0.1:0";
  EXPECT_EQ(message(two_port_zero), "ok");
}

}  // namespace
}  // namespace latchkey::service
