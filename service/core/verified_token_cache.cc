#include "service/core/verified_token_cache.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "crypto/hashing.h"

namespace latchkey::service::core {
namespace {

// Enough shards that two cores rarely meet on one lock; fewer when the
// cache is tiny, so that every shard holds at least one entry and the
// total never exceeds max_entries.
constexpr size_t kMaxShards = 16;

// What an entry costs beyond its claims: the slot, the key, the control
// block of the shared pointer and the map node, rounded up.
constexpr size_t kEntryOverheadBytes = 256;

size_t BytesOf(absl::string_view key, const VerifiedToken& token) {
  return kEntryOverheadBytes + key.size() + token.claims.SpaceUsedLong() +
         token.audience.capacity() + token.kid.capacity();
}

}  // namespace

VerifiedTokenCache::VerifiedTokenCache(Options options) {
  if (options.max_entries == 0 || options.max_bytes == 0) return;
  const size_t shard_count = std::min(kMaxShards, options.max_entries);
  max_bytes_per_shard_ = options.max_bytes / shard_count;
  for (size_t i = 0; i < shard_count; ++i) {
    auto shard = std::make_unique<Shard>();
    // The remainder goes to the first shards, so the capacities add up to
    // max_entries exactly.
    shard->capacity = options.max_entries / shard_count +
                      (i < options.max_entries % shard_count ? 1 : 0);
    shards_.push_back(std::move(shard));
  }
}

std::string VerifiedTokenCache::KeyOf(std::string_view token) {
  return crypto::Sha256(token);
}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardOf(
    absl::string_view key) const {
  const size_t first = key.empty() ? 0 : static_cast<unsigned char>(key[0]);
  return *shards_[first % shards_.size()];
}

std::shared_ptr<const VerifiedToken> VerifiedTokenCache::Find(
    absl::string_view key, absl::Time now) const {
  if (shards_.empty()) return nullptr;
  Shard& shard = ShardOf(key);
  {
    std::shared_lock lock(shard.mutex);
    auto it = shard.index.find(key);
    if (it != shard.index.end()) {
      const Slot& slot = shard.slots[it->second];
      if (now < slot.token->expires_at) {
        slot.referenced.store(true, std::memory_order_relaxed);
        hits_.fetch_add(1, std::memory_order_relaxed);
        return slot.token;
      }
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

void VerifiedTokenCache::Clear(Shard& shard, size_t slot) {
  Slot& victim = shard.slots[slot];
  if (victim.key.empty()) return;
  shard.index.erase(victim.key);
  shard.bytes -= victim.bytes;
  victim.key.clear();
  victim.token.reset();
  victim.bytes = 0;
  victim.referenced.store(false, std::memory_order_relaxed);
}

size_t VerifiedTokenCache::EvictOne(Shard& shard, absl::Time now) {
  // Two turns at most: the first clears every referenced bit it passes, so
  // the second finds a victim among the occupied slots.
  const size_t size = shard.slots.size();
  for (size_t step = 0; step < 2 * size; ++step) {
    const size_t at = shard.hand % size;
    shard.hand = (at + 1) % size;
    Slot& slot = shard.slots[at];
    if (slot.key.empty()) continue;
    if (now >= slot.token->expires_at ||
        !slot.referenced.exchange(false, std::memory_order_relaxed)) {
      Clear(shard, at);
      return at;
    }
  }
  return shard.capacity;  // nothing occupied
}

size_t VerifiedTokenCache::FreeSlot(Shard& shard, absl::Time now) {
  if (shard.index.size() >= shard.capacity) return EvictOne(shard, now);
  const size_t size = shard.slots.size();
  if (shard.index.size() < size) {  // a slot was emptied: reuse it
    for (size_t step = 0; step < size; ++step) {
      const size_t at = (shard.hand + step) % size;
      if (shard.slots[at].key.empty()) return at;
    }
  }
  shard.slots.emplace_back();
  return size;
}

void VerifiedTokenCache::Insert(absl::string_view key, VerifiedToken token,
                                absl::Time now) {
  if (shards_.empty() || now >= token.expires_at) return;
  const size_t bytes = BytesOf(key, token);
  if (bytes > max_bytes_per_shard_) return;
  auto shared = std::make_shared<const VerifiedToken>(std::move(token));
  Shard& shard = ShardOf(key);
  std::unique_lock lock(shard.mutex);
  if (auto it = shard.index.find(key); it != shard.index.end()) {
    Clear(shard, it->second);
  }
  while (shard.bytes + bytes > max_bytes_per_shard_ &&
         EvictOne(shard, now) != shard.capacity) {
  }
  const size_t at = FreeSlot(shard, now);
  Slot& slot = shard.slots[at];
  slot.key = std::string(key);
  slot.token = std::move(shared);
  slot.bytes = bytes;
  slot.referenced.store(false, std::memory_order_relaxed);
  shard.bytes += bytes;
  shard.index.emplace(slot.key, at);
}

void VerifiedTokenCache::DropKid(absl::string_view kid) {
  for (const std::unique_ptr<Shard>& shard : shards_) {
    std::unique_lock lock(shard->mutex);
    for (size_t i = 0; i < shard->slots.size(); ++i) {
      const Slot& slot = shard->slots[i];
      if (!slot.key.empty() && slot.token->kid == kid) Clear(*shard, i);
    }
  }
}

VerifiedTokenCache::Stats VerifiedTokenCache::stats() const {
  Stats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  for (const std::unique_ptr<Shard>& shard : shards_) {
    std::shared_lock lock(shard->mutex);
    stats.entries += shard->index.size();
    stats.bytes += shard->bytes;
  }
  return stats;
}

}  // namespace latchkey::service::core
