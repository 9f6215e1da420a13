#include "service/core/project_directory.h"

#include <string_view>
#include <vector>

#include "common/string_views.h"
#include "crypto/hashing.h"
#include "service/core/project_config.h"

namespace latchkey::service::core {
namespace {

// Bound memory when many projects or keys are touched; refilled on demand.
constexpr size_t kMaxCachedProjects = 10000;
constexpr size_t kMaxCheckedKeys = 10000;

using common::Std;

const std::optional<storage::StoredApiKey>& KeyOfKind(
    const storage::ApiKeySetRecord& set, storage::ApiKeyKind kind) {
  switch (kind) {
    case storage::ApiKeyKind::kPublishableClient:
      return set.publishable_client_key;
    case storage::ApiKeyKind::kSecretServer:
      return set.secret_server_key;
    case storage::ApiKeyKind::kSuperSecretAdmin:
      return set.super_secret_admin_key;
  }
  return set.publishable_client_key;
}

}  // namespace

ProjectDirectory::ProjectDirectory(storage::Database& database,
                                   const common::Clock& clock,
                                   absl::Duration cache_ttl)
    : database_(database), clock_(clock), cache_ttl_(cache_ttl) {}

absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> ProjectDirectory::Get(
    absl::string_view project_id) {
  const std::string id(project_id);
  const absl::Time now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end() && now - it->second.fetched_at < cache_ttl_) {
      return it->second.snapshot;
    }
  }
  absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> loaded = Load(id);
  if (!loaded.ok()) return loaded;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cache_.size() >= kMaxCachedProjects) cache_.clear();
  cache_[id] = Entry{*loaded, now};
  return loaded;
}

absl::StatusOr<std::shared_ptr<const ProjectSnapshot>> ProjectDirectory::Load(
    const std::string& project_id) {
  auto snapshot = std::make_shared<ProjectSnapshot>();
  std::vector<std::string> overrides;
  absl::Status status = database_.Run([&](storage::Repositories& repos) {
    absl::StatusOr<storage::ProjectRecord> project =
        repos.projects().Get(project_id);
    if (!project.ok()) return project.status();
    snapshot->project = *std::move(project);
    auto levels = repos.projects().ListConfigOverrides(project_id);
    if (!levels.ok()) return levels.status();
    for (const storage::ConfigOverrideRecord& level : *levels) {
      overrides.push_back(level.override_json);
    }
    auto providers = repos.oauth_providers().List(project_id);
    if (!providers.ok()) return providers.status();
    snapshot->oauth_providers = *std::move(providers);
    // Every call's context shares the snapshot, and the shown config needs
    // no client secret: the sealed secrets stay in the database.
    for (storage::OAuthProviderRecord& provider : snapshot->oauth_providers) {
      provider.client_secret_encrypted.reset();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  absl::StatusOr<identity::v1::ProjectConfig> config =
      EffectiveProjectConfig(overrides);
  if (!config.ok()) return config.status();
  snapshot->config = *std::move(config);
  return std::shared_ptr<const ProjectSnapshot>(std::move(snapshot));
}

void ProjectDirectory::Invalidate(absl::string_view project_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cache_.erase(std::string(project_id));
  for (auto it = checked_keys_.begin(); it != checked_keys_.end();) {
    if (it->second.project_id == project_id) {
      it = checked_keys_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::Status ProjectDirectory::VerifyKey(absl::string_view project_id,
                                         storage::ApiKeyKind kind,
                                         absl::string_view key) {
  const std::string hash = crypto::HashToken(Std(key));
  // The kind is part of the cache key: a key is only ever good as the kind
  // it was issued as.
  std::string cache_key;
  cache_key.reserve(hash.size() + 1);
  cache_key.append(hash);
  cache_key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  const absl::Time checked_at = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = checked_keys_.find(cache_key);
    if (it != checked_keys_.end()) {
      const CheckedKey& checked = it->second;
      const bool fresh = checked_at - checked.checked_at < cache_ttl_ &&
                         checked_at < checked.expires_at;
      if (fresh && checked.project_id == project_id) return absl::OkStatus();
      // A key shown to another project is checked (and refused) in full,
      // without forgetting it for its own.
      if (!fresh) checked_keys_.erase(it);
    }
  }
  absl::StatusOr<storage::ApiKeySetRecord> set;
  absl::Status status = database_.Run([&](storage::Repositories& repos) {
    set = repos.api_keys().FindByKeyHash(kind, hash);
    return set.status();
  });
  if (!status.ok()) return status;
  const std::optional<storage::StoredApiKey>& stored = KeyOfKind(*set, kind);
  const absl::Time now = clock_.Now();
  if (!stored.has_value() || !crypto::ConstantTimeEquals(stored->hash, hash) ||
      set->project_id != project_id || set->revoked_at.has_value() ||
      set->expires_at <= now) {
    return absl::NotFoundError("no live key");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (checked_keys_.size() >= kMaxCheckedKeys) checked_keys_.clear();
  checked_keys_[cache_key] =
      CheckedKey{set->project_id, set->expires_at, checked_at};
  return absl::OkStatus();
}

absl::Status ProjectDirectory::VerifyAdministrator(
    const ProjectSnapshot& project, absl::string_view user_id) {
  if (!project.project.owner_team_id.has_value()) {
    return absl::NotFoundError("the project has no owner team");
  }
  return database_.Run([&](storage::Repositories& repos) {
    return repos.teams()
        .GetMember(Std(kInternalProjectId), *project.project.owner_team_id,
                   Std(user_id))
        .status();
  });
}

}  // namespace latchkey::service::core
