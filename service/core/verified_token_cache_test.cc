#include "service/core/verified_token_cache.h"

#include <malloc.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

VerifiedToken Token(const std::string& user, const std::string& kid = "kid-1",
                    absl::Duration lifetime = absl::Minutes(10)) {
  VerifiedToken token;
  token.claims.set_sub(user);
  token.claims.set_aud("project");
  token.audience = "project";
  token.kid = kid;
  token.issued_at = kNow;
  token.expires_at = kNow + lifetime;
  return token;
}

// Keys that all land in the first shard (the shard is picked by the first
// byte), so a test can reason about one shard's slots.
std::string ShardZeroKey(int i) {
  return absl::StrCat(std::string(1, '\0'), "key-", i);
}

TEST(VerifiedTokenCacheTest, KeyIsTheSha256OfTheWholeToken) {
  EXPECT_EQ(VerifiedTokenCache::KeyOf("a.b.c").size(), 32u);
  EXPECT_NE(VerifiedTokenCache::KeyOf("a.b.c"),
            VerifiedTokenCache::KeyOf("a.b.d"));
}

TEST(VerifiedTokenCacheTest, ServesAnEntryUntilItsExpiryAndNeverAfter) {
  VerifiedTokenCache cache({});
  const std::string key = VerifiedTokenCache::KeyOf("token");
  cache.Insert(key, Token("u-1", "kid-1", absl::Seconds(30)), kNow);
  auto hit = cache.Find(key, kNow + absl::Seconds(29));
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->claims.sub(), "u-1");
  EXPECT_EQ(cache.Find(key, kNow + absl::Seconds(30)), nullptr);
  EXPECT_EQ(cache.Find(key, kNow + absl::Hours(1)), nullptr);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST(VerifiedTokenCacheTest, AnAlreadyExpiredTokenIsNotKept) {
  VerifiedTokenCache cache({});
  cache.Insert("k", Token("u-1", "kid-1", absl::Seconds(5)),
               kNow + absl::Seconds(5));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(VerifiedTokenCacheTest, StaysWithinItsEntryBound) {
  VerifiedTokenCache cache({.max_entries = 8});
  for (int i = 0; i < 500; ++i) {
    cache.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("token-", i)),
                 Token(absl::StrCat("u-", i)), kNow);
    ASSERT_LE(cache.stats().entries, 8u);
  }
  EXPECT_GT(cache.stats().entries, 0u);
}

TEST(VerifiedTokenCacheTest, StaysWithinItsByteBound) {
  // Room for a few small entries per shard, not for many.
  VerifiedTokenCache cache({.max_entries = 1000, .max_bytes = 16 * 2048});
  for (int i = 0; i < 2000; ++i) {
    cache.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("token-", i)),
                 Token(absl::StrCat("u-", i)), kNow);
    ASSERT_LE(cache.stats().bytes, 16u * 2048);
  }
  EXPECT_GT(cache.stats().entries, 0u);
  EXPECT_LT(cache.stats().entries, 1000u);
}

TEST(VerifiedTokenCacheTest, AnEntryTooLargeForAShardIsNotKept) {
  VerifiedTokenCache cache({.max_entries = 16, .max_bytes = 16 * 300});
  VerifiedToken big = Token("u-1");
  big.claims.set_name(std::string(4096, 'x'));
  cache.Insert("k", std::move(big), kNow);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(VerifiedTokenCacheTest, EvictsAnEntryNotHitSinceTheHandPassedFirst) {
  // 16 shards of two slots each; all three keys share shard zero.
  VerifiedTokenCache cache({.max_entries = 32});
  cache.Insert(ShardZeroKey(1), Token("hot"), kNow);
  cache.Insert(ShardZeroKey(2), Token("cold"), kNow);
  ASSERT_NE(cache.Find(ShardZeroKey(1), kNow), nullptr);
  cache.Insert(ShardZeroKey(3), Token("new"), kNow);
  EXPECT_NE(cache.Find(ShardZeroKey(1), kNow), nullptr);
  EXPECT_EQ(cache.Find(ShardZeroKey(2), kNow), nullptr);
  EXPECT_NE(cache.Find(ShardZeroKey(3), kNow), nullptr);
}

TEST(VerifiedTokenCacheTest, ExpiredEntriesAreEvictedBeforeLiveOnes) {
  VerifiedTokenCache cache({.max_entries = 32});
  cache.Insert(ShardZeroKey(1), Token("short", "kid-1", absl::Seconds(1)),
               kNow);
  cache.Insert(ShardZeroKey(2), Token("long"), kNow);
  cache.Insert(ShardZeroKey(3), Token("new"), kNow + absl::Seconds(2));
  EXPECT_NE(cache.Find(ShardZeroKey(2), kNow + absl::Seconds(2)), nullptr);
  EXPECT_NE(cache.Find(ShardZeroKey(3), kNow + absl::Seconds(2)), nullptr);
}

TEST(VerifiedTokenCacheTest, ReinsertingAKeyReplacesItsEntry) {
  VerifiedTokenCache cache({});
  cache.Insert("k", Token("first"), kNow);
  cache.Insert("k", Token("second"), kNow);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.Find("k", kNow)->claims.sub(), "second");
}

TEST(VerifiedTokenCacheTest, DropKidForgetsEveryTokenThatKeySigned) {
  VerifiedTokenCache cache({});
  for (int i = 0; i < 50; ++i) {
    cache.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("old-", i)),
                 Token("u", "retired"), kNow);
    cache.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("new-", i)),
                 Token("u", "current"), kNow);
  }
  cache.DropKid("retired");
  EXPECT_EQ(cache.stats().entries, 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(
        cache.Find(VerifiedTokenCache::KeyOf(absl::StrCat("old-", i)), kNow),
        nullptr);
    EXPECT_NE(
        cache.Find(VerifiedTokenCache::KeyOf(absl::StrCat("new-", i)), kNow),
        nullptr);
  }
}

// Bytes malloc has handed out: from the heap and as separate mappings
// (large blocks).
size_t AllocatedBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

TEST(VerifiedTokenCacheTest, MemoryGrowsWithEntriesNotWithTheBound) {
  const size_t before = AllocatedBytes();
  VerifiedTokenCache cache({.max_entries = 1'000'000});
  // A bound of a million entries costs nothing until tokens arrive (it
  // used to allocate a slot for every entry up front: 64 MB here).
  EXPECT_LT(AllocatedBytes() - before, size_t{64} << 10);
  for (int i = 0; i < 100; ++i) {
    cache.Insert(VerifiedTokenCache::KeyOf(absl::StrCat("token-", i)),
                 Token(absl::StrCat("u-", i)), kNow);
  }
  EXPECT_EQ(cache.stats().entries, 100u);
  EXPECT_LT(AllocatedBytes() - before, size_t{1} << 20);
}

TEST(VerifiedTokenCacheTest, ASlotEmptiedByDropKidIsReusedBeforeEvicting) {
  // Two slots in shard zero: one freed by DropKid takes the next entry, so
  // the entry still held is not evicted.
  VerifiedTokenCache cache({.max_entries = 32});
  cache.Insert(ShardZeroKey(1), Token("kept", "current"), kNow);
  cache.Insert(ShardZeroKey(2), Token("gone", "retired"), kNow);
  cache.DropKid("retired");
  cache.Insert(ShardZeroKey(3), Token("new", "current"), kNow);
  EXPECT_NE(cache.Find(ShardZeroKey(1), kNow), nullptr);
  EXPECT_EQ(cache.Find(ShardZeroKey(2), kNow), nullptr);
  EXPECT_NE(cache.Find(ShardZeroKey(3), kNow), nullptr);
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(VerifiedTokenCacheTest, ZeroEntriesDisablesIt) {
  VerifiedTokenCache cache({.max_entries = 0});
  EXPECT_FALSE(cache.enabled());
  cache.Insert("k", Token("u"), kNow);
  EXPECT_EQ(cache.Find("k", kNow), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_FALSE(VerifiedTokenCache({.max_bytes = 0}).enabled());
  EXPECT_TRUE(VerifiedTokenCache({.max_entries = 1}).enabled());
}

// Many threads inserting, hitting and dropping at once: every hit must be
// the entry stored under its own key (run under --config=tsan as well).
TEST(VerifiedTokenCacheTest, ConcurrentUseKeepsEntriesIntact) {
  VerifiedTokenCache cache({.max_entries = 64});
  constexpr int kThreads = 8;
  constexpr int kRounds = 4000;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string user = absl::StrCat("u-", (i * 7 + t) % 200);
        const std::string key = VerifiedTokenCache::KeyOf(user);
        if (auto hit = cache.Find(key, kNow); hit != nullptr) {
          if (hit->claims.sub() != user) wrong.fetch_add(1);
        } else {
          cache.Insert(key, Token(user, absl::StrCat("kid-", i % 3)), kNow);
        }
        if (i % 500 == 0) cache.DropKid(absl::StrCat("kid-", t % 3));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.stats().entries, 64u);
  EXPECT_GT(cache.stats().hits, 0u);
}

}  // namespace
}  // namespace latchkey::service::core
