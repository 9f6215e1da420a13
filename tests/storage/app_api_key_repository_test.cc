// Conformance: user and team API keys (AppApiKeyRepository), on SQLite and
// PostgreSQL.
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/storage_test_base.h"

namespace latchkey::storage::testing {
namespace {

class AppApiKeyRepositoryTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AddProject("p");
    AddProject("q");
    AddUser("p", Uuid(1), T(1));
    AddTeam("p", Uuid(50));
  }
};

AppApiKeyRecord UserKey(const std::string& id, const std::string& hash,
                        int64_t created) {
  AppApiKeyRecord k;
  k.id = id;
  k.project_id = "p";
  k.user_id = Uuid(1);
  k.description = "key " + id;
  k.key_hash = hash;
  k.last_four = "ab12";
  k.created_at = T(created);
  return k;
}

TEST_P(AppApiKeyRepositoryTest, RoundTripListNewestFirstAndFindByHash) {
  AppApiKeyRecord first = UserKey(Uuid(10), "h1", 5);
  first.expires_at = T(100);
  AppApiKeyRecord second = UserKey(Uuid(11), "h2", 6);
  second.is_public = true;
  AppApiKeyRecord team_key = UserKey(Uuid(12), "h3", 7);
  team_key.user_id.reset();
  team_key.team_id = Uuid(50);
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.app_api_keys().Create(first));
                LATCHKEY_RETURN_IF_ERROR(r.app_api_keys().Create(second));
                return r.app_api_keys().Create(team_key);
              }).ok());

  auto list = Call([&](Repositories& r) {
    return r.app_api_keys().ListForUser("p", Uuid(1));
  });
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, Uuid(11));
  EXPECT_TRUE((*list)[0].is_public);
  EXPECT_FALSE((*list)[0].expires_at.has_value());
  EXPECT_EQ((*list)[1].id, Uuid(10));
  EXPECT_EQ((*list)[1].expires_at, T(100));
  EXPECT_EQ((*list)[1].last_four, "ab12");
  EXPECT_FALSE((*list)[1].team_id.has_value());

  auto teams = Call([&](Repositories& r) {
    return r.app_api_keys().ListForTeam("p", Uuid(50));
  });
  ASSERT_TRUE(teams.ok());
  ASSERT_EQ(teams->size(), 1u);
  EXPECT_EQ((*teams)[0].team_id, Uuid(50));
  EXPECT_FALSE((*teams)[0].user_id.has_value());

  auto found = Call(
      [&](Repositories& r) { return r.app_api_keys().FindByHash("p", "h2"); });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, Uuid(11));
  // Another project never sees it.
  auto other = Call(
      [&](Repositories& r) { return r.app_api_keys().FindByHash("q", "h2"); });
  EXPECT_TRUE(absl::IsNotFound(other.status()));
}

TEST_P(AppApiKeyRepositoryTest, HashIsUniqueAndOwnerMustBeOne) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.app_api_keys().Create(UserKey(Uuid(10), "same", 1));
              }).ok());
  absl::Status duplicate = Call([&](Repositories& r) {
    return r.app_api_keys().Create(UserKey(Uuid(11), "same", 2));
  });
  EXPECT_TRUE(absl::IsAlreadyExists(duplicate)) << duplicate;
  EXPECT_EQ(ViolatedConstraint(duplicate), "app_api_keys_hash_unique");

  AppApiKeyRecord both = UserKey(Uuid(12), "both", 3);
  both.team_id = Uuid(50);
  EXPECT_FALSE(Call([&](Repositories& r) {
                 return r.app_api_keys().Create(both);
               }).ok());
  AppApiKeyRecord neither = UserKey(Uuid(13), "neither", 3);
  neither.user_id.reset();
  EXPECT_FALSE(Call([&](Repositories& r) {
                 return r.app_api_keys().Create(neither);
               }).ok());
}

TEST_P(AppApiKeyRepositoryTest,
       RevokeKeepsTheFirstTimeDescriptionAndExpiryChange) {
  ASSERT_TRUE(Call([&](Repositories& r) {
                return r.app_api_keys().Create(UserKey(Uuid(10), "h", 1));
              }).ok());
  ASSERT_TRUE(
      Call([&](Repositories& r) {
        LATCHKEY_RETURN_IF_ERROR(r.app_api_keys().Revoke("p", Uuid(10), T(20)));
        LATCHKEY_RETURN_IF_ERROR(r.app_api_keys().Revoke("p", Uuid(10), T(30)));
        LATCHKEY_RETURN_IF_ERROR(
            r.app_api_keys().UpdateExpiry("p", Uuid(10), T(99)));
        return r.app_api_keys().UpdateDescription("p", Uuid(10), "new");
      }).ok());
  auto key = Call(
      [&](Repositories& r) { return r.app_api_keys().Get("p", Uuid(10)); });
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->revoked_at, T(20));
  EXPECT_EQ(key->description, "new");
  EXPECT_EQ(key->expires_at, T(99));
  EXPECT_TRUE(absl::IsNotFound(Call([&](Repositories& r) {
    return r.app_api_keys().Revoke("q", Uuid(10), T(40));
  })));
  EXPECT_TRUE(absl::IsNotFound(Call([&](Repositories& r) {
                                 return r.app_api_keys().Get("q", Uuid(10));
                               }).status()));
}

TEST_P(AppApiKeyRepositoryTest, DeletingTheOwnerDeletesItsKeys) {
  AppApiKeyRecord team_key = UserKey(Uuid(11), "t", 2);
  team_key.user_id.reset();
  team_key.team_id = Uuid(50);
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(
                    r.app_api_keys().Create(UserKey(Uuid(10), "u", 1)));
                return r.app_api_keys().Create(team_key);
              }).ok());
  ASSERT_TRUE(Call([&](Repositories& r) {
                LATCHKEY_RETURN_IF_ERROR(r.users().Delete("p", Uuid(1)));
                return r.teams().Delete("p", Uuid(50));
              }).ok());
  EXPECT_TRUE(absl::IsNotFound(Call([&](Repositories& r) {
                                 return r.app_api_keys().Get("p", Uuid(10));
                               }).status()));
  EXPECT_TRUE(absl::IsNotFound(Call([&](Repositories& r) {
                                 return r.app_api_keys().Get("p", Uuid(11));
                               }).status()));
}

INSTANTIATE_STORAGE_SUITE(AppApiKeyRepositoryTest);

}  // namespace
}  // namespace latchkey::storage::testing
