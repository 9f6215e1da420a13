#include "service/core/api_key_sets.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "crypto/hashing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/core/bootstrap.h"
#include "service/core/internal_project_fixture.h"
#include "service/core/project_directory.h"
#include "service/errors/error_matchers.h"
#include "storage/testing/opened_scratch.h"
#include "storage/testing/test_database.h"

namespace latchkey::service::core {
namespace {

using ::testing::StartsWith;

const std::string kProject(kInternalProjectId);

class ApiKeySetsTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    directory_ = std::make_unique<ProjectDirectory>(*db_, clock_);
    sets_ = std::make_unique<ApiKeySets>(*directory_, clock_);
  }

  NewApiKeySetInput Input() {
    NewApiKeySetInput input;
    input.project_id = kProject;
    input.description = "ci";
    input.expires_at = clock_.Now() + absl::Hours(24);
    input.secret_server_key = true;
    return input;
  }

  std::unique_ptr<ProjectDirectory> directory_;
  std::unique_ptr<ApiKeySets> sets_;
};

TEST_F(ApiKeySetsTest, CreatedKeysWorkAndOnlyTheirHashIsStored) {
  NewApiKeySetInput input = Input();
  input.publishable_client_key = true;
  input.super_secret_admin_key = true;
  auto created = sets_->Create(input);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(created->publishable_client_key.has_value());
  ASSERT_TRUE(created->secret_server_key.has_value());
  ASSERT_TRUE(created->super_secret_admin_key.has_value());
  EXPECT_THAT(*created->publishable_client_key, StartsWith("pck_"));
  EXPECT_THAT(*created->secret_server_key, StartsWith("ssk_"));
  EXPECT_THAT(*created->super_secret_admin_key, StartsWith("sak_"));
  EXPECT_EQ(created->secret_server_key->size(), 4u + 45u);

  auto stored = sets_->Get(kProject, created->set.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->secret_server_key.has_value());
  EXPECT_EQ(stored->secret_server_key->hash,
            crypto::HashToken(*created->secret_server_key));
  EXPECT_NE(stored->secret_server_key->hash, *created->secret_server_key);
  EXPECT_EQ(stored->secret_server_key->last_four,
            created->secret_server_key->substr(45));
  EXPECT_TRUE(directory_
                  ->VerifyKey(kProject, storage::ApiKeyKind::kSecretServer,
                              *created->secret_server_key)
                  .ok());
  EXPECT_TRUE(directory_
                  ->VerifyKey(kProject, storage::ApiKeyKind::kSuperSecretAdmin,
                              *created->super_secret_admin_key)
                  .ok());
}

TEST_F(ApiKeySetsTest, RefusesAPastExpiryAndASetWithoutKeys) {
  NewApiKeySetInput past = Input();
  past.expires_at = clock_.Now();
  EXPECT_THAT(sets_->Create(past), HasErrorCode(identity::v1::SCHEMA_ERROR));
  NewApiKeySetInput none = Input();
  none.secret_server_key = false;
  EXPECT_THAT(sets_->Create(none), HasErrorCode(identity::v1::SCHEMA_ERROR));
  auto listed = sets_->List(kProject);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(ApiKeySetsTest, ListsNewestFirst) {
  auto first = sets_->Create(Input());
  clock_.Advance(absl::Seconds(1));
  auto second = sets_->Create(Input());
  ASSERT_TRUE(first.ok() && second.ok());
  auto listed = sets_->List(kProject);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, second->set.id);
  EXPECT_EQ((*listed)[1].id, first->set.id);
}

TEST_F(ApiKeySetsTest, RevokingStopsTheKeysAndCannotBeUndone) {
  auto created = sets_->Create(Input());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(sets_->Update(kProject, created->set.id, {.revoked = false}),
              HasErrorCode(identity::v1::SCHEMA_ERROR));
  // Checked once, so the directory remembers it: the revocation must still
  // stop it at once in this process.
  ASSERT_TRUE(directory_
                  ->VerifyKey(kProject, storage::ApiKeyKind::kSecretServer,
                              *created->secret_server_key)
                  .ok());
  const absl::Time revoked_at = clock_.Now();
  auto revoked = sets_->Update(kProject, created->set.id,
                               {.description = "old", .revoked = true});
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->description, "old");
  EXPECT_EQ(revoked->revoked_at, revoked_at);
  EXPECT_FALSE(directory_
                   ->VerifyKey(kProject, storage::ApiKeyKind::kSecretServer,
                               *created->secret_server_key)
                   .ok());
  // Revoking again keeps the first time.
  clock_.Advance(absl::Minutes(5));
  revoked = sets_->Update(kProject, created->set.id, {.revoked = true});
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revoked_at, revoked_at);
}

// Another replica (another directory over the same database) remembers a
// key it checked for at most the cache TTL, and never past the key's own
// expiry.
TEST_F(ApiKeySetsTest, AnotherReplicaStopsAcceptingARevokedKeyWithinTheTtl) {
  ProjectDirectory replica(*db_, clock_, absl::Seconds(2));
  NewApiKeySetInput input = Input();
  input.expires_at = clock_.Now() + absl::Seconds(10);
  auto created = sets_->Create(input);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string key = *created->secret_server_key;
  const auto kind = storage::ApiKeyKind::kSecretServer;
  ASSERT_TRUE(replica.VerifyKey(kProject, kind, key).ok());
  // Remembered only as the kind and for the project it checked out for.
  EXPECT_FALSE(
      replica.VerifyKey(kProject, storage::ApiKeyKind::kSuperSecretAdmin, key)
          .ok());
  EXPECT_FALSE(replica.VerifyKey("other", kind, key).ok());
  ASSERT_TRUE(sets_->Update(kProject, created->set.id, {.revoked = true}).ok());
  EXPECT_FALSE(directory_->VerifyKey(kProject, kind, key).ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(replica.VerifyKey(kProject, kind, key).ok());  // within TTL
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(replica.VerifyKey(kProject, kind, key).ok());

  // A remembered key is not served past its expiry.
  auto expiring = sets_->Create(input);
  ASSERT_TRUE(expiring.ok()) << expiring.status();
  clock_.Advance(absl::Seconds(7));
  const std::string short_lived = *expiring->secret_server_key;
  ASSERT_TRUE(replica.VerifyKey(kProject, kind, short_lived).ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(replica.VerifyKey(kProject, kind, short_lived).ok());
}

TEST_F(ApiKeySetsTest, AnotherProjectsSetIsNotFound) {
  auto created = sets_->Create(Input());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(sets_->Get("other", created->set.id),
              HasErrorCode(identity::v1::API_KEY_NOT_FOUND));
  EXPECT_THAT(sets_->Update("other", created->set.id, {.description = "x"}),
              HasErrorCode(identity::v1::API_KEY_NOT_FOUND));
  EXPECT_THAT(sets_->Get(kProject, "no-such-set"),
              HasErrorCode(identity::v1::API_KEY_NOT_FOUND));
}

}  // namespace
}  // namespace latchkey::service::core
