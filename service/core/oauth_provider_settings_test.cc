#include "service/core/oauth_provider_settings.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/core/internal_project_fixture.h"
#include "service/core/oauth_client_secrets.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

const std::string kProject(kInternalProjectId);
constexpr char kServerSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

class OAuthProviderSettingsTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
    auto box = OAuthClientSecretBox(kServerSecret, std::nullopt);
    ASSERT_TRUE(box.ok()) << box.status();
    settings_ = std::make_unique<OAuthProviderSettings>(
        *db_, *directory_, clock_, *std::move(box));
  }

  static OAuthProviderInput Google() {
    OAuthProviderInput input;
    input.provider_id = "google";
    input.type = "google";
    input.client_id = "client";
    input.client_secret = "shh";
    input.scopes = {"openid", "email"};
    input.enabled = true;
    return input;
  }

  std::unique_ptr<ProjectDirectory> directory_;
  std::unique_ptr<OAuthProviderSettings> settings_;
};

TEST_F(OAuthProviderSettingsTest, StoresTheSecretSealedToItsRow) {
  auto stored = settings_->Upsert(kProject, Google());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->client_id, "client");
  EXPECT_EQ(stored->scopes, (std::vector<std::string>{"openid", "email"}));
  ASSERT_TRUE(stored->client_secret_encrypted.has_value());
  EXPECT_EQ(stored->client_secret_encrypted->find("shh"), std::string::npos);
  auto box = OAuthClientSecretBox(kServerSecret, std::nullopt);
  ASSERT_TRUE(box.ok());
  auto opened = OpenOAuthClientSecret(*box, kProject, "google",
                                      *stored->client_secret_encrypted);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->plaintext, "shh");
  EXPECT_FALSE(OpenOAuthClientSecret(*box, kProject, "github",
                                     *stored->client_secret_encrypted)
                   .ok());
}

TEST_F(OAuthProviderSettingsTest, AWriteIsSeenByTheDirectoryAtOnce) {
  ASSERT_TRUE(directory_->Get(kProject).ok());  // Cached now.
  auto before = (*directory_->Get(kProject))->project;
  ASSERT_TRUE(settings_->Upsert(kProject, Google()).ok());
  auto listed = settings_->List(kProject);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  // The snapshot was dropped: the next Get is a new read, and it carries
  // the provider (the project's shown config is built from it).
  auto first = directory_->Get(kProject);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ((*first)->oauth_providers.size(), 1u);
  EXPECT_EQ((*first)->oauth_providers[0].provider_id, "google");
  // Stored sealed, and not copied into the snapshot every call shares.
  ASSERT_TRUE((*listed)[0].client_secret_encrypted.has_value());
  EXPECT_FALSE(
      (*first)->oauth_providers[0].client_secret_encrypted.has_value());
  ASSERT_TRUE(settings_->Delete(kProject, "google").ok());
  auto second = directory_->Get(kProject);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->get(), second->get());
  EXPECT_TRUE((*second)->oauth_providers.empty());
}

TEST_F(OAuthProviderSettingsTest, RefusesBadSettingsNamingTheField) {
  struct Case {
    const char* why;
    void (*edit)(OAuthProviderInput&);
  };
  const Case cases[] = {
      {"id with capitals", [](OAuthProviderInput& i) { i.provider_id = "G"; }},
      {"id too long",
       [](OAuthProviderInput& i) { i.provider_id = std::string(65, 'a'); }},
      {"unknown type", [](OAuthProviderInput& i) { i.type = "myspace"; }},
      {"shared oidc",
       [](OAuthProviderInput& i) {
         i.type = "oidc";
         i.issuer_url = "https://idp.example";
         i.is_shared = true;
       }},
      {"tenant with a slash",
       [](OAuthProviderInput& i) { i.microsoft_tenant_id = "a/b"; }},
      {"empty tenant",
       [](OAuthProviderInput& i) { i.microsoft_tenant_id = ""; }},
      {"config id with a space",
       [](OAuthProviderInput& i) { i.facebook_config_id = "1 2"; }},
      {"empty client id", [](OAuthProviderInput& i) { i.client_id = ""; }},
      {"empty secret", [](OAuthProviderInput& i) { i.client_secret = ""; }},
      {"oidc without issuer", [](OAuthProviderInput& i) { i.type = "oidc"; }},
      {"http issuer off loopback",
       [](OAuthProviderInput& i) { i.issuer_url = "http://idp.example"; }},
      {"issuer with query",
       [](OAuthProviderInput& i) { i.issuer_url = "https://idp/?a=b"; }},
      {"scope with a space",
       [](OAuthProviderInput& i) { i.scopes = {"open id"}; }},
  };
  for (const Case& c : cases) {
    OAuthProviderInput input = Google();
    c.edit(input);
    EXPECT_THAT(settings_->Upsert(kProject, input),
                HasErrorCode(identity::v1::SCHEMA_ERROR))
        << c.why;
  }
  auto listed = settings_->List(kProject);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());

  OAuthProviderInput local = Google();
  local.provider_id = "local-idp";
  local.type = "oidc";
  local.issuer_url = "http://127.0.0.1:8080/realm";
  EXPECT_TRUE(settings_->Upsert(kProject, local).ok());
}

TEST_F(OAuthProviderSettingsTest, TypeSettingsAndSharedKeysAreStored) {
  OAuthProviderInput microsoft = Google();
  microsoft.provider_id = "microsoft";
  microsoft.type = "microsoft";
  microsoft.microsoft_tenant_id = "contoso.onmicrosoft.com";
  auto stored = settings_->Upsert(kProject, microsoft);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->microsoft_tenant_id, "contoso.onmicrosoft.com");
  EXPECT_FALSE(stored->is_shared);

  // A shared provider needs no client of its own.
  OAuthProviderInput facebook;
  facebook.provider_id = "facebook";
  facebook.type = "facebook";
  facebook.facebook_config_id = "123456789";
  facebook.is_shared = true;
  facebook.enabled = true;
  stored = settings_->Upsert(kProject, facebook);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->is_shared);
  EXPECT_EQ(stored->facebook_config_id, "123456789");
  EXPECT_EQ(stored->client_id, "");
  EXPECT_FALSE(stored->client_secret_encrypted.has_value());
}

TEST_F(OAuthProviderSettingsTest, DeletingAnUnknownProviderIsNotFound) {
  EXPECT_THAT(
      settings_->Delete(kProject, "github"),
      HasErrorCode(identity::v1::OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED));
}

}  // namespace
}  // namespace latchkey::service::core
