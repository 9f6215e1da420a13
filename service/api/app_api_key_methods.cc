#include "service/api/app_api_key_methods.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "identity/v1/team_permission.pb.h"
#include "identity/v1/user.pb.h"
#include "service/api/caller_rules.h"
#include "service/api/protos.h"
#include "service/api/team_access.h"
#include "service/core/app_api_keys.h"
#include "service/pipeline/service_binder.h"

namespace latchkey::service::api {
namespace {

namespace v1 = identity::v1;
using Type = core::AppApiKeys::Type;

// The fields every view of a key shares (CreatedAppApiKey and AppApiKey
// differ only in `value`).
template <typename Message>
void FillCommon(const storage::AppApiKeyRecord& key, Message& out) {
  out.set_id(key.id);
  out.set_description(key.description);
  out.set_is_public(key.is_public);
  out.set_created_at_millis(Millis(key.created_at));
  if (key.expires_at.has_value()) {
    out.set_expires_at_millis(Millis(*key.expires_at));
  }
  if (key.revoked_at.has_value()) {
    out.set_manually_revoked_at_millis(Millis(*key.revoked_at));
  }
  if (key.team_id.has_value()) {
    out.set_type("team");
    out.set_team_id(*key.team_id);
  } else {
    out.set_type("user");
    out.set_user_id(*key.user_id);
  }
}

v1::AppApiKey ToProto(const storage::AppApiKeyRecord& key) {
  v1::AppApiKey out;
  FillCommon(key, out);
  out.mutable_value()->set_last_four(key.last_four);
  return out;
}

v1::ListAppApiKeysResponse ToList(
    const std::vector<storage::AppApiKeyRecord>& keys) {
  v1::ListAppApiKeysResponse response;
  for (const storage::AppApiKeyRecord& key : keys) {
    *response.add_items() = ToProto(key);
  }
  response.set_is_paginated(false);
  return response;
}

std::optional<absl::Time> ExpiryOf(bool has, int64_t millis) {
  if (!has) return std::nullopt;
  return absl::FromUnixMillis(millis);
}

class AppApiKeyMethods {
 public:
  explicit AppApiKeyMethods(AppContext& context)
      : keys_(context.database, context.clock, context.permissions) {}

  absl::StatusOr<v1::CreatedAppApiKey> CreateUserApiKey(
      CallContext& call, const v1::CreateUserApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              ResolveUserId(call.caller(), r.user_id()));
    return Create(call, Type::kUser, user_id, r);
  }

  absl::StatusOr<v1::CreatedAppApiKey> CreateTeamApiKey(
      CallContext& call, const v1::CreateTeamApiKeyRequest& r) {
    return Create(call, Type::kTeam, r.team_id(), r);
  }

  absl::StatusOr<v1::ListAppApiKeysResponse> ListUserApiKeys(
      CallContext& call, const v1::ListUserApiKeysRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        std::string user_id,
        ResolveUserId(call.caller(), r.has_user_id() ? r.user_id() : "me"));
    LATCHKEY_ASSIGN_OR_RETURN(
        auto keys,
        keys_.List(*call.caller().project, teams::ActorOf(call.caller()),
                   Type::kUser, user_id));
    return ToList(keys);
  }

  absl::StatusOr<v1::ListAppApiKeysResponse> ListTeamApiKeys(
      CallContext& call, const v1::ListTeamApiKeysRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        auto keys,
        keys_.List(*call.caller().project, teams::ActorOf(call.caller()),
                   Type::kTeam, r.team_id()));
    return ToList(keys);
  }

  absl::StatusOr<v1::AppApiKey> GetUserApiKey(
      CallContext& call, const v1::GetUserApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(auto owner, UserOwner(call, r));
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Get(*call.caller().project, teams::ActorOf(call.caller()),
                  Type::kUser, r.api_key_id(), owner));
    return ToProto(key);
  }

  absl::StatusOr<v1::AppApiKey> GetTeamApiKey(
      CallContext& call, const v1::GetTeamApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Get(*call.caller().project, teams::ActorOf(call.caller()),
                  Type::kTeam, r.api_key_id(), TeamOwner(r)));
    return ToProto(key);
  }

  absl::StatusOr<v1::AppApiKey> UpdateUserApiKey(
      CallContext& call, const v1::UpdateUserApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(auto owner, UserOwner(call, r));
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Update(*call.caller().project, teams::ActorOf(call.caller()),
                     Type::kUser, r.api_key_id(), owner, ChangesOf(r)));
    return ToProto(key);
  }

  absl::StatusOr<v1::AppApiKey> UpdateTeamApiKey(
      CallContext& call, const v1::UpdateTeamApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Update(*call.caller().project, teams::ActorOf(call.caller()),
                     Type::kTeam, r.api_key_id(), TeamOwner(r), ChangesOf(r)));
    return ToProto(key);
  }

  absl::StatusOr<v1::AppApiKey> CheckUserApiKey(
      CallContext& call, const v1::CheckAppApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Check(*call.caller().project, Type::kUser, r.api_key()));
    return ToProto(key);
  }

  absl::StatusOr<v1::AppApiKey> CheckTeamApiKey(
      CallContext& call, const v1::CheckAppApiKeyRequest& r) {
    LATCHKEY_ASSIGN_OR_RETURN(
        storage::AppApiKeyRecord key,
        keys_.Check(*call.caller().project, Type::kTeam, r.api_key()));
    return ToProto(key);
  }

 private:
  template <typename Request>
  absl::StatusOr<v1::CreatedAppApiKey> Create(CallContext& call, Type type,
                                              const std::string& owner_id,
                                              const Request& r) {
    core::AppApiKeys::CreateInput input;
    input.type = type;
    input.owner_id = owner_id;
    input.description = r.description();
    input.expires_at =
        ExpiryOf(r.has_expires_at_millis(), r.expires_at_millis());
    input.is_public = r.is_public();
    LATCHKEY_ASSIGN_OR_RETURN(
        core::AppApiKeys::Created created,
        keys_.Create(*call.caller().project, teams::ActorOf(call.caller()),
                     input));
    v1::CreatedAppApiKey out;
    FillCommon(created.key, out);
    out.set_value(created.value);
    return out;
  }

  // The user named in the query ("me" resolved), if any.
  template <typename Request>
  static absl::StatusOr<std::optional<std::string>> UserOwner(
      CallContext& call, const Request& r) {
    if (!r.has_user_id()) return std::optional<std::string>();
    LATCHKEY_ASSIGN_OR_RETURN(std::string user_id,
                              ResolveUserId(call.caller(), r.user_id()));
    return std::optional<std::string>(user_id);
  }

  template <typename Request>
  static std::optional<std::string> TeamOwner(const Request& r) {
    if (!r.has_team_id()) return std::nullopt;
    return r.team_id();
  }

  template <typename Request>
  static core::AppApiKeys::Changes ChangesOf(const Request& r) {
    core::AppApiKeys::Changes changes;
    if (r.has_description()) changes.description = r.description();
    if (r.has_revoked()) changes.revoked = r.revoked();
    changes.expires_at =
        ExpiryOf(r.has_expires_at_millis(), r.expires_at_millis());
    return changes;
  }

  const core::AppApiKeys keys_;
};

}  // namespace

absl::Status RegisterAppApiKeyMethods(MethodRegistry& registry,
                                      AppContext& context) {
  using Methods = AppApiKeyMethods;
  auto methods = std::make_shared<Methods>(context);
  ServiceBinder<Methods> users(registry, "identity.v1.UserService", methods);
  users("CreateUserApiKey", &Methods::CreateUserApiKey);
  users("ListUserApiKeys", &Methods::ListUserApiKeys);
  users("GetUserApiKey", &Methods::GetUserApiKey);
  users("UpdateUserApiKey", &Methods::UpdateUserApiKey);
  users("CheckUserApiKey", &Methods::CheckUserApiKey);
  LATCHKEY_RETURN_IF_ERROR(users.status());
  ServiceBinder<Methods> teams(registry, "identity.v1.TeamPermissionService",
                               methods);
  teams("CreateTeamApiKey", &Methods::CreateTeamApiKey);
  teams("ListTeamApiKeys", &Methods::ListTeamApiKeys);
  teams("GetTeamApiKey", &Methods::GetTeamApiKey);
  teams("UpdateTeamApiKey", &Methods::UpdateTeamApiKey);
  teams("CheckTeamApiKey", &Methods::CheckTeamApiKey);
  return teams.status();
}

}  // namespace latchkey::service::api
