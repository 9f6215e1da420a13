#include "service/core/user_snapshot_cache.h"

#include <utility>

#include "common/status_macros.h"

namespace latchkey::service::core {
namespace {

size_t Size(const std::optional<std::string>& text) {
  return text.has_value() ? text->size() : 0;
}

// What an entry holds beyond the fixed-size fields, near enough to bound
// the cache's memory: the strings, which metadata can make large.
size_t ApproximateBytes(const UserDetails& details) {
  const storage::UserRecord& user = details.view.user;
  size_t bytes = sizeof(UserDetails) + user.id.size() + user.project_id.size() +
                 Size(user.display_name) + Size(user.profile_image_url) +
                 user.client_metadata_json.size() +
                 user.client_read_only_metadata_json.size() +
                 user.server_metadata_json.size() +
                 Size(user.restricted_by_admin_reason) +
                 Size(user.restricted_by_admin_private_details) +
                 Size(user.selected_team_id) + Size(user.external_id) +
                 Size(user.country_code) + Size(details.view.primary_email);
  for (const storage::OAuthAccountRecord& account : details.oauth_accounts) {
    bytes += sizeof(account) + account.id.size() + account.project_id.size() +
             account.user_id.size() + account.provider_id.size() +
             account.provider_account_id.size() + Size(account.email);
    for (const std::string& scope : account.granted_scopes) {
      bytes += sizeof(scope) + scope.size();
    }
  }
  if (details.selected_team.has_value()) {
    const storage::TeamRecord& team = *details.selected_team;
    bytes += team.id.size() + team.project_id.size() +
             team.display_name.size() + Size(team.profile_image_url) +
             team.client_metadata_json.size() +
             team.client_read_only_metadata_json.size() +
             team.server_metadata_json.size();
  }
  return bytes;
}

}  // namespace

std::string UserSnapshotCache::KeyOf(std::string_view project_id,
                                     std::string_view user_id) {
  // Project ids never contain NUL, so the pair maps to one key.
  std::string key;
  key.reserve(project_id.size() + 1 + user_id.size());
  key.append(project_id);
  key.push_back('\0');
  key.append(user_id);
  return key;
}

void UserSnapshotCache::EraseLocked(Lru::iterator it) const {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

std::shared_ptr<const UserDetails> UserSnapshotCache::Find(
    std::string_view project_id, std::string_view user_id, uint64_t generation,
    absl::Time now) const {
  if (!enabled()) return nullptr;
  const std::string key = KeyOf(project_id, user_id);
  std::lock_guard<std::mutex> lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  Lru::iterator it = found->second;
  // A clock that went back also makes the entry stale: never serve an
  // entry whose age cannot be told.
  if (it->generation != generation || now < it->stored_at ||
      now - it->stored_at >= options_.max_age) {
    EraseLocked(it);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->details;
}

std::shared_ptr<const UserDetails> UserSnapshotCache::Insert(
    std::string_view project_id, std::string_view user_id, uint64_t generation,
    absl::Time now, UserDetails details) {
  for (storage::OAuthAccountRecord& account : details.oauth_accounts) {
    account.access_token_sealed.reset();
    account.refresh_token_sealed.reset();
  }
  auto shared = std::make_shared<const UserDetails>(std::move(details));
  if (!enabled()) return shared;
  const size_t bytes = ApproximateBytes(*shared);
  if (bytes > options_.max_bytes) return shared;
  std::string key = KeyOf(project_id, user_id);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) {
    // Keep the newer read: a slower reader must not put back an older
    // generation over a newer one.
    if (found->second->generation > generation) return shared;
    EraseLocked(found->second);
  }
  lru_.push_front(Entry{key, generation, now, shared, bytes});
  index_.emplace(std::move(key), lru_.begin());
  bytes_ += bytes;
  while (lru_.size() > options_.max_entries || bytes_ > options_.max_bytes) {
    EraseLocked(std::prev(lru_.end()));
  }
  return shared;
}

UserSnapshotCache::Stats UserSnapshotCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {hits_.load(std::memory_order_relaxed),
          misses_.load(std::memory_order_relaxed), lru_.size(), bytes_};
}

absl::StatusOr<std::shared_ptr<const UserDetails>> LoadUserDetailsCached(
    storage::Database& database, UserSnapshotCache& cache,
    const common::Clock& clock, const std::string& project_id,
    const std::string& user_id) {
  // Observed before the read, so that a write that commits during the read
  // moves the generation past the entry's.
  const uint64_t generation = database.write_generation();
  if (std::shared_ptr<const UserDetails> hit =
          cache.Find(project_id, user_id, generation, clock.Now())) {
    return hit;
  }
  LATCHKEY_ASSIGN_OR_RETURN(UserDetails details,
                            LoadUserDetails(database, project_id, user_id));
  // One object for the cache and the caller, without a copy.
  return cache.Insert(project_id, user_id, generation, clock.Now(),
                      std::move(details));
}

}  // namespace latchkey::service::core
