#include "service/core/api_key_sets.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// A new key with its stored form; the key itself exists only in the answer.
absl::StatusOr<std::string> NewKey(
    absl::string_view prefix, std::optional<storage::StoredApiKey>& stored) {
  LATCHKEY_ASSIGN_OR_RETURN(std::string body, crypto::RandomToken());
  std::string key = absl::StrCat(prefix, body);
  stored =
      storage::StoredApiKey{crypto::HashToken(key), key.substr(key.size() - 4)};
  return key;
}

absl::Status ApiKeyNotFound(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kNotFound) {
    return ApiError(identity::v1::API_KEY_NOT_FOUND);
  }
  return status;
}

}  // namespace

absl::StatusOr<CreatedApiKeys> ApiKeySets::Create(
    const NewApiKeySetInput& input) const {
  const absl::Time now = clock_.Now();
  if (absl::ToUnixMillis(input.expires_at) <= absl::ToUnixMillis(now)) {
    return SchemaError("body.expires_at_millis must be in the future");
  }
  if (!input.publishable_client_key && !input.secret_server_key &&
      !input.super_secret_admin_key) {
    return SchemaError(
        "at least one of body.has_publishable_client_key, "
        "body.has_secret_server_key and body.has_super_secret_admin_key must "
        "be true");
  }
  CreatedApiKeys out;
  storage::ApiKeySetRecord& set = out.set;
  LATCHKEY_ASSIGN_OR_RETURN(set.id, crypto::RandomUuidV4());
  set.project_id = input.project_id;
  set.description = input.description;
  set.created_at = now;
  set.expires_at = input.expires_at;
  if (input.publishable_client_key) {
    LATCHKEY_ASSIGN_OR_RETURN(out.publishable_client_key,
                              NewKey("pck_", set.publishable_client_key));
  }
  if (input.secret_server_key) {
    LATCHKEY_ASSIGN_OR_RETURN(out.secret_server_key,
                              NewKey("ssk_", set.secret_server_key));
  }
  if (input.super_secret_admin_key) {
    LATCHKEY_ASSIGN_OR_RETURN(out.super_secret_admin_key,
                              NewKey("sak_", set.super_secret_admin_key));
  }
  LATCHKEY_RETURN_IF_ERROR(
      database_.RunInTransaction([&](storage::Repositories& repos) {
        return repos.api_keys().Create(set);
      }));
  return out;
}

absl::StatusOr<std::vector<storage::ApiKeySetRecord>> ApiKeySets::List(
    const std::string& project_id) const {
  std::vector<storage::ApiKeySetRecord> sets;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(sets, repos.api_keys().List(project_id));
        return absl::OkStatus();
      }));
  // Storage lists oldest first; Stack lists newest first.
  return std::vector<storage::ApiKeySetRecord>(
      std::make_move_iterator(sets.rbegin()),
      std::make_move_iterator(sets.rend()));
}

absl::StatusOr<storage::ApiKeySetRecord> ApiKeySets::Get(
    const std::string& project_id, const std::string& id) const {
  absl::StatusOr<storage::ApiKeySetRecord> set;
  absl::Status status = database_.Run([&](storage::Repositories& repos) {
    set = repos.api_keys().Get(project_id, id);
    return set.status();
  });
  if (!status.ok()) return ApiKeyNotFound(status);
  return set;
}

absl::StatusOr<storage::ApiKeySetRecord> ApiKeySets::Update(
    const std::string& project_id, const std::string& id,
    const ApiKeySetChanges& changes) const {
  if (changes.revoked.has_value() && !*changes.revoked) {
    return SchemaError(
        "body.revoked can only be true: revoking a key set cannot be undone");
  }
  storage::ApiKeySetRecord updated;
  absl::Status status = database_.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_RETURN_IF_ERROR(repos.api_keys().Get(project_id, id).status());
        if (changes.description.has_value()) {
          LATCHKEY_RETURN_IF_ERROR(repos.api_keys().UpdateDescription(
              project_id, id, *changes.description));
        }
        if (changes.revoked.has_value()) {
          // Revoking twice keeps the first time.
          LATCHKEY_RETURN_IF_ERROR(
              repos.api_keys().Revoke(project_id, id, clock_.Now()));
        }
        LATCHKEY_ASSIGN_OR_RETURN(updated,
                                  repos.api_keys().Get(project_id, id));
        return absl::OkStatus();
      });
  // Also when the transaction failed: whatever happened, forgetting costs
  // one database read on the next use of a key.
  directory_.Invalidate(project_id);
  if (!status.ok()) return ApiKeyNotFound(status);
  return updated;
}

}  // namespace latchkey::service::core
