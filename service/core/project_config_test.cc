#include "service/core/project_config.h"

#include "gtest/gtest.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using identity::v1::ProjectConfig;
using nlohmann::json;

std::string Problem(const absl::Status& status) {
  if (status.ok()) return "";
  auto error = ReadApiError(status);
  return error.has_value() ? error->details["message"] : status.ToString();
}

TEST(ProjectConfig, DefaultsAreStacksAndValid) {
  const auto& config = DefaultProjectConfig();
  EXPECT_TRUE(config.sign_up_enabled());
  EXPECT_TRUE(config.anonymous_accounts_enabled());
  EXPECT_FALSE(config.require_publishable_client_key());
  EXPECT_EQ(config.access_token_lifetime_seconds(), 600);
  EXPECT_EQ(config.password_min_length(), 8);
  EXPECT_EQ(config.password_max_length(), 70);
  EXPECT_EQ(config.argon2().memory_kib(), 19456);
  EXPECT_EQ(config.team_creator_default_permissions(0), "team_admin");
  EXPECT_TRUE(ValidateProjectConfig(config).ok());
}

TEST(ApplyConfigOverride, LeafAndWholeMessageKeys) {
  auto config = DefaultProjectConfig();
  ASSERT_EQ(
      Problem(ApplyConfigOverride(
          json{{"password_min_length", 12},
               {"argon2",
                {{"memory_kib", 4096}, {"iterations", 3}, {"parallelism", 1}}},
               {"argon2.iterations", 4},
               {"rate_limits.sign_in_per_ip.limit", 50},
               {"domains",
                {{{"domain", "https://*.example.com"},
                  {"handler_path", "/handler"}}}}},
          config)),
      "");
  EXPECT_EQ(config.password_min_length(), 12);
  EXPECT_EQ(config.argon2().memory_kib(), 4096);
  EXPECT_EQ(config.argon2().iterations(), 4);
  EXPECT_EQ(config.rate_limits().sign_in_per_ip().limit(), 50);
  EXPECT_EQ(config.rate_limits().sign_in_per_ip().window_seconds(), 900);
  ASSERT_EQ(config.domains_size(), 1);
  EXPECT_EQ(config.domains(0).handler_path(), "/handler");
}

TEST(ApplyConfigOverride, ListsAreReplacedNotMerged) {
  auto config = DefaultProjectConfig();
  ASSERT_EQ(Problem(ApplyConfigOverride(
                json{{"team_member_default_permissions", {"a", "b"}}}, config)),
            "");
  ASSERT_EQ(Problem(ApplyConfigOverride(
                json{{"team_member_default_permissions", {"c"}}}, config)),
            "");
  ASSERT_EQ(config.team_member_default_permissions_size(), 1);
  EXPECT_EQ(config.team_member_default_permissions(0), "c");
}

TEST(ApplyConfigOverride, BadInputIsASchemaErrorAndChangesNothing) {
  auto config = DefaultProjectConfig();
  const auto before = config.SerializeAsString();
  EXPECT_EQ(Problem(ApplyConfigOverride(json{{"no_such_key", 1}}, config)),
            "Invalid configuration: unknown key \"no_such_key\"");
  EXPECT_EQ(Problem(ApplyConfigOverride(json{{"argon2.nope", 1}}, config)),
            "Invalid configuration: unknown key \"argon2.nope\"");
  EXPECT_EQ(
      Problem(ApplyConfigOverride(json{{"password_min_length", "8"}}, config)),
      "Invalid configuration: \"password_min_length\" must be an integer");
  EXPECT_EQ(
      Problem(ApplyConfigOverride(json{{"sign_up_enabled", false},
                                       {"access_token_lifetime_seconds", 30}},
                                  config)),
      "Invalid configuration: \"access_token_lifetime_seconds\" must be "
      "from 60 to 86400, not 30");
  EXPECT_NE(
      Problem(ApplyConfigOverride(
          json{{"domains", {{{"domain", "https://evil.com/path"}}}}}, config)),
      "");
  EXPECT_NE(Problem(ApplyConfigOverride(
                json{{"password_min_length", 20}, {"password_max_length", 10}},
                config)),
            "");
  EXPECT_NE(
      Problem(ApplyConfigOverride(
          json{{"team_creator_default_permissions", {"Bad Id"}}}, config)),
      "");
  EXPECT_EQ(config.SerializeAsString(), before);
}

TEST(ApplyConfigOverride, NullRestoresTheDefault) {
  auto config = DefaultProjectConfig();
  ASSERT_TRUE(
      ApplyConfigOverride(json{{"password_min_length", 12}}, config).ok());
  ASSERT_TRUE(
      ApplyConfigOverride(json{{"password_min_length", nullptr}}, config).ok());
  EXPECT_EQ(config.password_min_length(), 8);
}

TEST(EffectiveProjectConfig, AppliesLevelsInOrder) {
  auto config = EffectiveProjectConfig(
      {R"({"password_min_length": 10})",
       R"({"password_min_length": 11, "sign_up_enabled": false})"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->password_min_length(), 11);
  EXPECT_FALSE(config->sign_up_enabled());
  EXPECT_FALSE(EffectiveProjectConfig({"not json"}).ok());
}

TEST(MergeOverrides, PatchKeysSupersedeLongerKeysAndNullRemoves) {
  json existing = {{"argon2.iterations", 3},
                   {"argon2.memory_kib", 4096},
                   {"password_min_length", 9},
                   {"argon2x", 1}};
  json merged = MergeOverrides(existing, {{"argon2", {{"iterations", 2}}},
                                          {"password_min_length", nullptr}});
  EXPECT_EQ(merged, (json{{"argon2", {{"iterations", 2}}}, {"argon2x", 1}}));
}

ProjectConfig WithArgon2(const ProjectConfig& base, int64_t memory_kib,
                         int64_t iterations) {
  ProjectConfig config = base;
  config.mutable_argon2()->set_memory_kib(memory_kib);
  config.mutable_argon2()->set_iterations(iterations);
  return config;
}

TEST(CheckArgon2Ceiling, RefusesANewValueAboveTheDeploymentsLimit) {
  // The attack: 1 GiB (within the project's own range) on a shared server.
  const ProjectConfig& defaults = DefaultProjectConfig();
  const ProjectConfig gigabyte = WithArgon2(defaults, 1024 * 1024, 2);
  ASSERT_TRUE(ValidateProjectConfig(gigabyte).ok());
  const absl::Status refused =
      CheckArgon2Ceiling(defaults, gigabyte, Argon2Ceiling());
  ASSERT_EQ(ReadApiError(refused).value_or(ApiErrorView{}).code,
            identity::v1::SCHEMA_ERROR)
      << refused;
  EXPECT_EQ(Problem(refused),
            "Invalid configuration: \"argon2.memory_kib\" must be from 1024 "
            "to 65536 (this server's limit on password hashing cost), not "
            "1048576");
  EXPECT_EQ(Problem(CheckArgon2Ceiling(
                defaults, WithArgon2(defaults, 19456, 16), Argon2Ceiling())),
            "Invalid configuration: \"argon2.iterations\" must be from 1 to 4 "
            "(this server's limit on password hashing cost), not 16");
  // The operator's ceiling, not the default one.
  EXPECT_NE(Problem(CheckArgon2Ceiling(
                defaults, WithArgon2(defaults, 40000, 2),
                {.max_memory_kib = 32768, .max_iterations = 4})),
            "");
}

TEST(CheckArgon2Ceiling, RefusesMoreLanesThanTheDeploymentAllows) {
  // Each lane is a thread of its own while a hash runs.
  const ProjectConfig& defaults = DefaultProjectConfig();
  ProjectConfig lanes = defaults;
  lanes.mutable_argon2()->set_parallelism(16);
  ASSERT_TRUE(ValidateProjectConfig(lanes).ok());
  EXPECT_EQ(Problem(CheckArgon2Ceiling(defaults, lanes, Argon2Ceiling())),
            "Invalid configuration: \"argon2.parallelism\" must be from 1 to "
            "4 (this server's limit on password hashing cost), not 16");
  lanes.mutable_argon2()->set_parallelism(4);
  EXPECT_TRUE(CheckArgon2Ceiling(defaults, lanes, Argon2Ceiling()).ok());
}

TEST(CheckArgon2Ceiling, AcceptsValuesUpToTheCeiling) {
  const ProjectConfig& defaults = DefaultProjectConfig();
  EXPECT_TRUE(CheckArgon2Ceiling(defaults, defaults, Argon2Ceiling()).ok());
  EXPECT_TRUE(CheckArgon2Ceiling(defaults, WithArgon2(defaults, 65536, 4),
                                 Argon2Ceiling())
                  .ok());
  EXPECT_TRUE(
      CheckArgon2Ceiling(defaults, WithArgon2(defaults, 1024 * 1024, 16),
                         {.max_memory_kib = 1024 * 1024, .max_iterations = 16})
          .ok());
}

TEST(CheckArgon2Ceiling, AValueStoredAboveTheCeilingMayStayButNotGrow) {
  // Stored before the ceiling existed (hashing clamps it): other keys can
  // still change, but the value cannot be raised or moved elsewhere above.
  const ProjectConfig stored =
      WithArgon2(DefaultProjectConfig(), 1024 * 1024, 2);
  ProjectConfig renamed = stored;
  renamed.set_password_min_length(12);
  EXPECT_TRUE(CheckArgon2Ceiling(stored, renamed, Argon2Ceiling()).ok());
  EXPECT_NE(
      Problem(CheckArgon2Ceiling(stored, WithArgon2(stored, 2 * 1024 * 1024, 2),
                                 Argon2Ceiling())),
      "");
  EXPECT_NE(Problem(CheckArgon2Ceiling(
                stored, WithArgon2(stored, 512 * 1024, 2), Argon2Ceiling())),
            "");
  EXPECT_TRUE(
      CheckArgon2Ceiling(stored, WithArgon2(stored, 65536, 2), Argon2Ceiling())
          .ok());
}

}  // namespace
}  // namespace latchkey::service::core
