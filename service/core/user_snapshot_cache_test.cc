#include "service/core/user_snapshot_cache.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/concurrent_rounds.h"
#include "gtest/gtest.h"
#include "service/core/internal_project_fixture.h"
#include "service/core/project_directory.h"

namespace latchkey::service::core {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

UserDetails Details(const std::string& user_id, const std::string& name,
                    size_t metadata_bytes = 0) {
  UserDetails details;
  details.view.user.id = user_id;
  details.view.user.project_id = "p";
  details.view.user.display_name = name;
  if (metadata_bytes > 0) {
    details.view.user.client_metadata_json =
        "\"" + std::string(metadata_bytes, 'm') + "\"";
  }
  return details;
}

TEST(UserSnapshotCacheTest, HitsWhileTheGenerationAndAgeHold) {
  UserSnapshotCache cache({});
  EXPECT_EQ(cache.Find("p", "u", 7, kNow), nullptr);
  cache.Insert("p", "u", 7, kNow, Details("u", "Ada"));
  auto hit = cache.Find("p", "u", 7, kNow + absl::Milliseconds(999));
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->view.user.display_name, "Ada");
  // Another user, or the same id in another project, is another entry.
  EXPECT_EQ(cache.Find("p", "v", 7, kNow), nullptr);
  EXPECT_EQ(cache.Find("q", "u", 7, kNow), nullptr);
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST(UserSnapshotCacheTest, AWriteSinceTheReadIsAMiss) {
  UserSnapshotCache cache({});
  cache.Insert("p", "u", 7, kNow, Details("u", "Ada"));
  EXPECT_EQ(cache.Find("p", "u", 8, kNow), nullptr);
  // The stale entry is gone, not just skipped.
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.Find("p", "u", 7, kNow), nullptr);
}

TEST(UserSnapshotCacheTest, EntriesExpireByAgeAndOnAClockThatWentBack) {
  UserSnapshotCache cache({.max_age = absl::Seconds(1)});
  cache.Insert("p", "u", 1, kNow, Details("u", "Ada"));
  EXPECT_EQ(cache.Find("p", "u", 1, kNow + absl::Seconds(1)), nullptr);
  cache.Insert("p", "u", 1, kNow, Details("u", "Ada"));
  EXPECT_EQ(cache.Find("p", "u", 1, kNow - absl::Milliseconds(1)), nullptr);
}

TEST(UserSnapshotCacheTest, ZeroAgeOrSizeTurnsItOff) {
  for (UserSnapshotCache::Options options :
       {UserSnapshotCache::Options{.max_age = absl::ZeroDuration()},
        UserSnapshotCache::Options{.max_entries = 0},
        UserSnapshotCache::Options{.max_bytes = 0}}) {
    UserSnapshotCache cache(options);
    EXPECT_FALSE(cache.enabled());
    cache.Insert("p", "u", 1, kNow, Details("u", "Ada"));
    EXPECT_EQ(cache.Find("p", "u", 1, kNow), nullptr);
    EXPECT_EQ(cache.stats().entries, 0u);
  }
}

TEST(UserSnapshotCacheTest, BoundedInEntriesAndBytesLeastRecentlyUsedFirst) {
  UserSnapshotCache by_count({.max_entries = 2});
  by_count.Insert("p", "a", 1, kNow, Details("a", "A"));
  by_count.Insert("p", "b", 1, kNow, Details("b", "B"));
  ASSERT_NE(by_count.Find("p", "a", 1, kNow), nullptr);  // a is now recent
  by_count.Insert("p", "c", 1, kNow, Details("c", "C"));
  EXPECT_NE(by_count.Find("p", "a", 1, kNow), nullptr);
  EXPECT_EQ(by_count.Find("p", "b", 1, kNow), nullptr);
  EXPECT_NE(by_count.Find("p", "c", 1, kNow), nullptr);
  EXPECT_EQ(by_count.stats().entries, 2u);

  UserSnapshotCache by_bytes({.max_bytes = 64 << 10});
  by_bytes.Insert("p", "a", 1, kNow, Details("a", "A", 40 << 10));
  by_bytes.Insert("p", "b", 1, kNow, Details("b", "B", 40 << 10));
  EXPECT_EQ(by_bytes.Find("p", "a", 1, kNow), nullptr);
  EXPECT_NE(by_bytes.Find("p", "b", 1, kNow), nullptr);
  EXPECT_LE(by_bytes.stats().bytes, size_t{64 << 10});
  // One user larger than the whole budget is not kept at all.
  by_bytes.Insert("p", "c", 1, kNow, Details("c", "C", 100 << 10));
  EXPECT_EQ(by_bytes.Find("p", "c", 1, kNow), nullptr);
  EXPECT_NE(by_bytes.Find("p", "b", 1, kNow), nullptr);
}

TEST(UserSnapshotCacheTest, AnOlderReadDoesNotReplaceANewerOne) {
  UserSnapshotCache cache({});
  cache.Insert("p", "u", 9, kNow, Details("u", "new"));
  cache.Insert("p", "u", 8, kNow, Details("u", "old"));
  auto hit = cache.Find("p", "u", 9, kNow);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->view.user.display_name, "new");
}

TEST(UserSnapshotCacheTest, KeepsNoSealedOAuthTokens) {
  UserSnapshotCache cache({});
  UserDetails details = Details("u", "Ada");
  storage::OAuthAccountRecord account;
  account.provider_id = "github";
  account.access_token_sealed = "sealed-access";
  account.refresh_token_sealed = "sealed-refresh";
  details.oauth_accounts.push_back(account);
  cache.Insert("p", "u", 1, kNow, details);
  auto hit = cache.Find("p", "u", 1, kNow);
  ASSERT_NE(hit, nullptr);
  ASSERT_EQ(hit->oauth_accounts.size(), 1u);
  EXPECT_EQ(hit->oauth_accounts[0].provider_id, "github");
  EXPECT_FALSE(hit->oauth_accounts[0].access_token_sealed.has_value());
  EXPECT_FALSE(hit->oauth_accounts[0].refresh_token_sealed.has_value());
}

// Readers and writers of many keys at once (run under --config=tsan too):
// every hit is the entry of its own key.
TEST(UserSnapshotCacheTest, ConcurrentUseKeepsEntriesIntact) {
  UserSnapshotCache cache({.max_entries = 16});
  const std::vector<int> failures = crypto::testing::FailuresPerThread(
      /*threads=*/8, /*rounds=*/2000, [&](int t, int i) {
        const std::string user = "u" + std::to_string((i * 7 + t) % 40);
        const uint64_t generation = i % 3;
        if (i % 2 == 0) {
          cache.Insert("p", user, generation, kNow, Details(user, user));
          return true;
        }
        auto hit = cache.Find("p", user, generation, kNow);
        return hit == nullptr || (hit->view.user.id == user &&
                                  hit->view.user.display_name == user);
      });
  EXPECT_EQ(failures, std::vector<int>(8, 0));
  EXPECT_LE(cache.stats().entries, 16u);
}

// Through a real database: a repeated read is served from memory, and any
// write of this process is seen by the next read.
class LoadUserDetailsCachedTest : public InternalProjectTest {
 protected:
  void SetUp() override {
    InternalProjectTest::SetUp();
    if (HasFatalFailure()) return;
    user_.id = "5f0c3c1e-8a4b-4c2d-9e7f-1a2b3c4d5e6f";
    user_.project_id = std::string(kInternalProjectId);
    user_.display_name = "Ada";
    user_.signed_up_at = user_.last_active_at = clock_.Now();
    ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                     return repos.users().Create(user_);
                   })
                    .ok());
  }

  absl::StatusOr<std::shared_ptr<const UserDetails>> Load() {
    return LoadUserDetailsCached(*db_, cache_, clock_,
                                 std::string(kInternalProjectId), user_.id);
  }

  storage::UserRecord user_;
  UserSnapshotCache cache_{{}};
};

TEST_F(LoadUserDetailsCachedTest, ARepeatedReadNeedsNoDatabase) {
  ASSERT_TRUE(Load().ok());
  const uint64_t calls = db_->stats().calls;
  auto again = Load();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->view.user.display_name, "Ada");
  EXPECT_EQ(db_->stats().calls, calls);
}

TEST_F(LoadUserDetailsCachedTest, AWriteIsSeenByTheNextRead) {
  ASSERT_TRUE(Load().ok());
  user_.display_name = "Ada Lovelace";
  ASSERT_TRUE(db_->RunInTransaction([&](storage::Repositories& repos) {
                   return repos.users().Update(user_);
                 })
                  .ok());
  auto after = Load();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->view.user.display_name, "Ada Lovelace");
}

TEST_F(LoadUserDetailsCachedTest, AWriteToAnyTableIsSeenByTheNextRead) {
  // A write elsewhere (here: a second user) also ends the entry: the cache
  // does not know which tables a user's view depends on, so it never has
  // to.
  ASSERT_TRUE(Load().ok());
  const uint64_t calls = db_->stats().calls;
  storage::UserRecord other = user_;
  other.id = "6a1d4d2f-9b5c-4d3e-8f0a-2b3c4d5e6f70";
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.users().Create(other);
                 })
                  .ok());
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(db_->stats().calls, calls + 2);  // the write and a fresh read
}

TEST_F(LoadUserDetailsCachedTest, ADeletedUserIsNotServed) {
  ASSERT_TRUE(Load().ok());
  ASSERT_TRUE(db_->Run([&](storage::Repositories& repos) {
                   return repos.users().Delete(std::string(kInternalProjectId),
                                               user_.id);
                 })
                  .ok());
  EXPECT_FALSE(Load().ok());
}

TEST_F(LoadUserDetailsCachedTest, AnEntryOutlivesNoMaxAge) {
  ASSERT_TRUE(Load().ok());
  clock_.Advance(absl::Seconds(1));
  const uint64_t calls = db_->stats().calls;
  ASSERT_TRUE(Load().ok());
  EXPECT_EQ(db_->stats().calls, calls + 1);
}

}  // namespace
}  // namespace latchkey::service::core
