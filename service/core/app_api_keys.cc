#include "service/core/app_api_keys.h"

#include <utility>

#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

namespace v1 = identity::v1;

std::string TypeName(AppApiKeys::Type type) {
  return std::string(crypto::AppApiKeyTypeName(type));
}

AppApiKeys::Type TypeOf(const storage::AppApiKeyRecord& key) {
  return key.team_id.has_value() ? AppApiKeys::Type::kTeam
                                 : AppApiKeys::Type::kUser;
}

const std::string& OwnerOf(const storage::AppApiKeyRecord& key) {
  return key.team_id.has_value() ? *key.team_id : *key.user_id;
}

absl::Status KeyNotFound() { return ApiError(v1::API_KEY_NOT_FOUND); }

}  // namespace

absl::Status AppApiKeys::RequireEnabled(const ProjectSnapshot& project,
                                        Type type) {
  const bool enabled = type == Type::kUser
                           ? project.config.allow_user_api_keys()
                           : project.config.allow_team_api_keys();
  if (enabled) return absl::OkStatus();
  return ApiError(v1::API_KEYS_NOT_ENABLED, {{"type", TypeName(type)}});
}

absl::Status AppApiKeys::RequireManager(storage::Repositories& repos,
                                        const TeamActor& actor, Type type,
                                        const std::string& owner_id) const {
  if (type == Type::kUser) {
    LATCHKEY_RETURN_IF_ERROR(RequireSelf(actor, owner_id));
    if (actor.client) return absl::OkStatus();
    absl::Status user = repos.users().Get(actor.project_id, owner_id).status();
    if (absl::IsNotFound(user)) {
      return ApiError(v1::USER_ID_DOES_NOT_EXIST, {{"user_id", owner_id}});
    }
    return user;
  }
  if (!actor.client) {
    return TeamNotFoundOr(
        repos.teams().Get(actor.project_id, owner_id).status(), owner_id);
  }
  LATCHKEY_ASSIGN_OR_RETURN(auto compiled, catalog_.Get(actor.project_id));
  absl::Status allowed = RequireClientTeamPermission(
      repos, actor, *compiled, owner_id, "$manage_api_keys");
  // Not a member, or no permission: the team's keys look absent.
  if (!allowed.ok() && ReadApiError(allowed).has_value()) return KeyNotFound();
  return allowed;
}

absl::StatusOr<AppApiKeys::Created> AppApiKeys::Create(
    const ProjectSnapshot& project, const TeamActor& actor,
    const CreateInput& input) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project, input.type));
  if (input.expires_at.has_value() && *input.expires_at <= absl::UnixEpoch()) {
    return SchemaError("body.expires_at_millis must be a positive time");
  }
  Created created;
  storage::AppApiKeyRecord& key = created.key;
  LATCHKEY_ASSIGN_OR_RETURN(key.id, crypto::RandomUuidV4());
  LATCHKEY_ASSIGN_OR_RETURN(
      created.value, crypto::NewAppApiKey(key.id, input.type, input.is_public));
  key.project_id = actor.project_id;
  if (input.type == Type::kUser) {
    key.user_id = input.owner_id;
  } else {
    key.team_id = input.owner_id;
  }
  key.description = input.description;
  key.is_public = input.is_public;
  key.key_hash = crypto::HashToken(created.value);
  key.last_four = created.value.substr(created.value.size() - 4);
  key.created_at = clock_.Now();
  key.expires_at = input.expires_at;
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        LATCHKEY_RETURN_IF_ERROR(
            RequireManager(repos, actor, input.type, input.owner_id));
        return repos.app_api_keys().Create(key);
      }));
  return created;
}

absl::StatusOr<std::vector<storage::AppApiKeyRecord>> AppApiKeys::List(
    const ProjectSnapshot& project, const TeamActor& actor, Type type,
    const std::string& owner_id) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project, type));
  std::vector<storage::AppApiKeyRecord> keys;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(RequireManager(repos, actor, type, owner_id));
        LATCHKEY_ASSIGN_OR_RETURN(
            keys,
            type == Type::kUser
                ? repos.app_api_keys().ListForUser(actor.project_id, owner_id)
                : repos.app_api_keys().ListForTeam(actor.project_id, owner_id));
        return absl::OkStatus();
      }));
  return keys;
}

absl::StatusOr<storage::AppApiKeyRecord> AppApiKeys::Get(
    const ProjectSnapshot& project, const TeamActor& actor, Type type,
    const std::string& key_id,
    const std::optional<std::string>& owner_id) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project, type));
  if (!crypto::IsUuid(key_id)) return KeyNotFound();
  storage::AppApiKeyRecord key;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::AppApiKeyRecord> found =
            repos.app_api_keys().Get(actor.project_id, key_id);
        if (absl::IsNotFound(found.status())) return KeyNotFound();
        LATCHKEY_RETURN_IF_ERROR(found.status());
        if (TypeOf(*found) != type ||
            (owner_id.has_value() && *owner_id != OwnerOf(*found))) {
          return KeyNotFound();
        }
        absl::Status allowed =
            RequireManager(repos, actor, type, OwnerOf(*found));
        // Someone else's key looks absent to a client.
        if (!allowed.ok() && actor.client && !owner_id.has_value()) {
          return KeyNotFound();
        }
        LATCHKEY_RETURN_IF_ERROR(allowed);
        key = *std::move(found);
        return absl::OkStatus();
      }));
  return key;
}

absl::StatusOr<storage::AppApiKeyRecord> AppApiKeys::Update(
    const ProjectSnapshot& project, const TeamActor& actor, Type type,
    const std::string& key_id, const std::optional<std::string>& owner_id,
    const Changes& changes) const {
  if (changes.expires_at.has_value() &&
      *changes.expires_at <= absl::UnixEpoch()) {
    return SchemaError("body.expires_at_millis must be a positive time");
  }
  if (changes.revoked.has_value() && !*changes.revoked) {
    return SchemaError(
        "body.revoked can only be true: a revoked key stays revoked");
  }
  LATCHKEY_ASSIGN_OR_RETURN(storage::AppApiKeyRecord key,
                            Get(project, actor, type, key_id, owner_id));
  const absl::Time now = clock_.Now();
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        if (changes.description.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(repos.app_api_keys().UpdateDescription(
              key.project_id, key.id, *changes.description));
        }
        if (changes.expires_at.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(repos.app_api_keys().UpdateExpiry(
              key.project_id, key.id, changes.expires_at));
        }
        if (changes.revoked.value_or(false)) {
          LATCHKEY_RETURN_IF_ERROR(
              repos.app_api_keys().Revoke(key.project_id, key.id, now));
        }
        return absl::OkStatus();
      }));
  if (changes.description.has_value()) key.description = *changes.description;
  if (changes.expires_at.has_value()) key.expires_at = changes.expires_at;
  if (changes.revoked.value_or(false) && !key.revoked_at.has_value()) {
    key.revoked_at = now;
  }
  return key;
}

absl::StatusOr<storage::AppApiKeyRecord> AppApiKeys::Check(
    const ProjectSnapshot& project, Type type, const std::string& key) const {
  LATCHKEY_RETURN_IF_ERROR(RequireEnabled(project, type));
  // Anything that is not a well-formed key cannot be one of ours.
  if (!crypto::ParseAppApiKey(key).ok()) return KeyNotFound();
  storage::AppApiKeyRecord found;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::AppApiKeyRecord> record =
            repos.app_api_keys().FindByHash(project.project.id,
                                            crypto::HashToken(key));
        if (absl::IsNotFound(record.status())) return KeyNotFound();
        LATCHKEY_RETURN_IF_ERROR(record.status());
        found = *std::move(record);
        return absl::OkStatus();
      }));
  if (TypeOf(found) != type) {
    return ApiError(v1::WRONG_API_KEY_TYPE,
                    {{"expected_type", TypeName(type)},
                     {"actual_type", TypeName(TypeOf(found))}});
  }
  if (found.revoked_at.has_value()) return ApiError(v1::API_KEY_REVOKED);
  if (found.expires_at.has_value() && *found.expires_at <= clock_.Now()) {
    return ApiError(v1::API_KEY_EXPIRED);
  }
  return found;
}

}  // namespace latchkey::service::core
