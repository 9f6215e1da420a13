#include "service/api/team_access.h"

#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {

absl::Status RequireSelfForClient(const Caller& caller,
                                  const std::string& user_id) {
  if (!IsClient(caller)) return absl::OkStatus();
  if (caller.user.has_value() && caller.user->sub() == user_id) {
    return absl::OkStatus();
  }
  return ApiError(identity::v1::CLIENT_CANNOT_ACCESS_OTHER_USERS);
}

const std::string& ClientUserId(const Caller& caller) {
  static const std::string* const kNone = new std::string();
  return caller.user.has_value() ? caller.user->sub() : *kNone;
}

absl::Status TeamNotFoundOr(const absl::Status& status,
                            const std::string& team_id) {
  if (absl::IsNotFound(status)) {
    return ApiError(identity::v1::TEAM_NOT_FOUND, {{"team_id", team_id}});
  }
  return status;
}

absl::Status RequireClientTeamPermission(
    storage::Repositories& repos, const Caller& caller,
    const core::CompiledPermissions& compiled, const std::string& team_id,
    std::string_view permission_id) {
  if (!IsClient(caller)) return absl::OkStatus();
  return core::RequireTeamPermission(repos, compiled, caller.project_id,
                                     team_id, ClientUserId(caller),
                                     permission_id);
}

absl::Status Touched::Check(
    std::initializer_list<absl::string_view> fixed) const {
  for (const std::string& path : mask_.paths()) {
    bool bad = request_.GetDescriptor()->FindFieldByName(path) == nullptr ||
               path == "update_mask";
    for (absl::string_view name : fixed) bad = bad || path == name;
    if (bad) {
      return SchemaError(absl::StrCat("update_mask names an unknown field \"",
                                      path.substr(0, 64), "\""));
    }
  }
  return absl::OkStatus();
}

bool Touched::operator()(absl::string_view name) const {
  if (mask_.paths_size() > 0) {
    for (const std::string& path : mask_.paths()) {
      if (path == name) return true;
    }
    return false;
  }
  const google::protobuf::FieldDescriptor* field =
      request_.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr) return false;
  if (field->is_repeated()) {
    return request_.GetReflection()->FieldSize(request_, field) > 0;
  }
  return request_.GetReflection()->HasField(request_, field);
}

}  // namespace latchkey::service::api::teams
