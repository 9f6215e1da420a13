#include "service/core/stack_project_body.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/errors/error_matchers.h"

namespace latchkey::service::core {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(StackProjectBodyTest, TranslatesStacksNestedCreateConfig) {
  absl::StatusOr<ProjectConfigBody> body = TranslateProjectConfigBody(json{
      {"sign_up_enabled", false},
      {"magic_link_enabled", true},
      {"domains",
       json::array({{{"domain", "https://a.test"}, {"handler_path", "/h"}}})},
      {"team_creator_default_permissions", json::array({{{"id", "admin"}}})},
      {"team_member_default_permissions", json::array({{{"id", "member"}}})},
      {"user_default_permissions", json::array({{{"id", "reader"}}})},
      {"email_config", {{"type", "shared"}}},
      {"email_theme", "default-light"},
      {"oauth_providers", json::array({{{"id", "github"},
                                        {"type", "standard"},
                                        {"client_id", "cid"},
                                        {"client_secret", "sec"}}})},
  });
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->override_keys,
            (json{{"sign_up_enabled", false},
                  {"magic_link_enabled", true},
                  {"domains", json::array({{{"domain", "https://a.test"},
                                            {"handler_path", "/h"}}})},
                  {"team_creator_default_permissions", {"admin"}},
                  {"team_member_default_permissions", {"member"}},
                  {"user_default_project_permissions", {"reader"}}}));
  ASSERT_EQ(body->oauth_providers.size(), 1u);
  EXPECT_EQ(body->oauth_providers[0].provider_id, "github");
  EXPECT_EQ(body->oauth_providers[0].type, "github");
  EXPECT_EQ(body->oauth_providers[0].client_id, "cid");
  EXPECT_EQ(body->oauth_providers[0].client_secret, "sec");
  EXPECT_TRUE(body->oauth_providers[0].enabled);
}

TEST(StackProjectBodyTest, KeepsLatchkeysDottedKeys) {
  absl::StatusOr<ProjectConfigBody> body = TranslateProjectConfigBody(
      json{{"password_min_length", 10},
           {"team_creator_default_permissions", {"team_admin"}},
           {"rate_limits.sign_in_per_ip.limit", 5}});
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->override_keys,
            (json{{"password_min_length", 10},
                  {"team_creator_default_permissions", {"team_admin"}},
                  {"rate_limits.sign_in_per_ip.limit", 5}}));
  EXPECT_TRUE(body->oauth_providers.empty());
}

TEST(StackProjectBodyTest, NullStackKeysAreLeftOut) {
  absl::StatusOr<ProjectConfigBody> body =
      TranslateProjectConfigBody(json{{"oauth_providers", nullptr},
                                      {"email_config", nullptr},
                                      {"user_default_permissions", nullptr}});
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(body->override_keys.empty());
}

TEST(StackProjectBodyTest, AllTwelveIdsSharedAndTypeSettings) {
  json list = json::array();
  for (const char* id :
       {"google", "github", "microsoft", "spotify", "facebook", "discord",
        "gitlab", "bitbucket", "linkedin", "apple", "x"}) {
    list.push_back({{"id", id},
                    {"type", "standard"},
                    {"client_id", "a"},
                    {"client_secret", "b"}});
  }
  list[2]["microsoft_tenant_id"] = "organizations";
  list[4]["facebook_config_id"] = "123456";
  list.push_back({{"id", "twitch"}, {"type", "shared"}});
  absl::StatusOr<ProjectConfigBody> body =
      TranslateProjectConfigBody(json{{"oauth_providers", list}});
  ASSERT_TRUE(body.ok()) << body.status();
  ASSERT_EQ(body->oauth_providers.size(), 12u);
  EXPECT_EQ(body->oauth_providers[2].microsoft_tenant_id, "organizations");
  EXPECT_EQ(body->oauth_providers[4].facebook_config_id, "123456");
  EXPECT_EQ(body->oauth_providers[3].facebook_config_id, std::nullopt);
  EXPECT_FALSE(body->oauth_providers[0].is_shared);
  const OAuthProviderInput& shared = body->oauth_providers[11];
  EXPECT_EQ(shared.type, "twitch");
  EXPECT_TRUE(shared.is_shared);
  EXPECT_TRUE(shared.client_id.empty());
  EXPECT_FALSE(shared.client_secret.has_value());
  EXPECT_TRUE(shared.enabled);
}

TEST(StackProjectBodyTest, RefusesWhatLatchkeyCannotKeep) {
  const json refused[] = {
      {{"oauth_providers",
        json::array({{{"id", "github"}, {"type", "other"}}})}},
      {{"oauth_providers", json::array({{{"id", "myspace"},
                                         {"type", "standard"},
                                         {"client_id", "a"},
                                         {"client_secret", "b"}}})}},
      {{"oauth_providers", json::array({{{"id", "apple"},
                                         {"type", "standard"},
                                         {"client_id", "a"},
                                         {"client_secret", "b"},
                                         {"apple_bundle_ids", {"x"}}}})}},
      {{"oauth_providers",
        json::array(
            {{{"id", "google"}, {"type", "standard"}, {"client_id", "a"}}})}},
      {{"oauth_providers", json::array({{{"id", "microsoft"},
                                         {"type", "standard"},
                                         {"client_id", "a"},
                                         {"client_secret", "b"},
                                         {"microsoft_tenant_id", 7}}})}},
      {{"oauth_providers", json::array({{{"id", "google"},
                                         {"type", "standard"},
                                         {"client_id", "a"},
                                         {"client_secret", "b"}},
                                        {{"id", "google"},
                                         {"type", "standard"},
                                         {"client_id", "a"},
                                         {"client_secret", "b"}}})}},
      {{"oauth_providers", "github"}},
      {{"email_config", {{"type", "standard"}, {"host", "smtp.test"}}}},
      {{"email_config", {{"type", "other"}}}},
      {{"email_theme", 3}},
      {{"team_member_default_permissions", json::array({{{"name", "x"}}})}},
  };
  for (const json& config : refused) {
    absl::StatusOr<ProjectConfigBody> body = TranslateProjectConfigBody(config);
    EXPECT_THAT(body.status(), HasErrorCode(identity::v1::SCHEMA_ERROR))
        << config.dump();
    EXPECT_THAT(std::string(body.status().message()), HasSubstr("body.config."))
        << config.dump();
  }
}

}  // namespace
}  // namespace latchkey::service::core
