#ifndef SERVICE_CORE_VERIFIED_TOKEN_CACHE_H_
#define SERVICE_CORE_VERIFIED_TOKEN_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/v1/token.pb.h"
#include "service/core/cache_stats.h"

namespace latchkey::service::core {

// An access token whose signature and claims have been checked once.
// Immutable once cached.
struct VerifiedToken {
  identity::v1::AccessTokenClaims claims;
  std::string audience;   // the aud claim: which project and which kind
  std::string kid;        // the key that signed it
  absl::Time issued_at;   // iat
  absl::Time expires_at;  // exp: the entry is never served at or after it
};

// Remembers tokens that verified, so that a token seen again (a mesh asks
// about the same bearer token on every request it routes) costs a hash and
// a lookup instead of an ECDSA verification. The design follows what
// Envoy's jwt_authn filter does:
//  - keyed by SHA-256 of the whole token, so a token differing in any byte
//    (a forged signature on genuine claims included) is a different key;
//  - only verified tokens go in (the caller inserts after a successful
//    verification; nothing else is ever cached, so a bad token is checked in
//    full every time);
//  - an entry is served only before the token's exp, never later;
//  - bounded in entries and in bytes, evicting with CLOCK (second chance),
//    so a hit only sets a bit under a shared lock;
//  - DropKid forgets every token a retired key signed.
// Thread-safe. Sharded by the key's first byte to keep writers apart.
class VerifiedTokenCache {
 public:
  struct Options {
    // 0 disables the cache: Find always misses and Insert keeps nothing.
    size_t max_entries = 10000;
    size_t max_bytes = size_t{16} << 20;
  };

  explicit VerifiedTokenCache(Options options);
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // The cache key of a token: its SHA-256, 32 raw bytes.
  static std::string KeyOf(std::string_view token);

  // The entry cached under `key`, if any and if `now` is before its
  // expiry; nullptr otherwise (counted as a miss).
  std::shared_ptr<const VerifiedToken> Find(absl::string_view key,
                                            absl::Time now) const;

  // Caches `token` under `key`, evicting as needed to stay within both
  // bounds (expired entries go first). An entry larger than a shard's byte
  // budget is not cached.
  void Insert(absl::string_view key, VerifiedToken token, absl::Time now);

  // Forgets every token signed by `kid` (its key left the key set).
  void DropKid(absl::string_view kid);

  // False when built with max_entries or max_bytes 0: nothing is kept, so
  // callers need not compute keys.
  bool enabled() const { return !shards_.empty(); }

  using Stats = CacheStats;
  Stats stats() const;

 private:
  struct Slot {
    std::string key;  // empty when the slot is free
    std::shared_ptr<const VerifiedToken> token;
    size_t bytes = 0;
    // Set by every hit, cleared as the clock hand passes: an entry is
    // evicted only after a full turn without a hit.
    mutable std::atomic<bool> referenced{false};
  };
  // A std::shared_mutex rather than absl::Mutex: ThreadSanitizer sees
  // through the former, and Debian's Abseil is not instrumented.
  struct Shard {
    mutable std::shared_mutex mutex;
    // Guarded by `mutex` (shared for lookups, exclusive for changes).
    absl::flat_hash_map<std::string, size_t> index;
    // Grows one slot at a time up to `capacity` (a deque: growing moves no
    // slot), so an idle or lightly used server holds memory for the tokens
    // it has seen, not for the bound.
    std::deque<Slot> slots;
    size_t capacity = 0;  // fixed at construction
    size_t hand = 0;
    size_t bytes = 0;
  };

  Shard& ShardOf(absl::string_view key) const;
  // The three helpers below need `shard.mutex` held exclusively.
  // Frees the occupied slot the clock hand settles on (expired, or not hit
  // since the hand last passed) and returns its index; capacity if no slot
  // is occupied.
  static size_t EvictOne(Shard& shard, absl::Time now);
  // A free slot, evicting one entry when the shard is full.
  static size_t FreeSlot(Shard& shard, absl::Time now);
  // Empties one slot.
  static void Clear(Shard& shard, size_t slot);

  std::vector<std::unique_ptr<Shard>> shards_;
  size_t max_bytes_per_shard_ = 0;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_VERIFIED_TOKEN_CACHE_H_
