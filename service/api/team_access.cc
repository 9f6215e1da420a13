#include "service/api/team_access.h"

#include "absl/strings/str_cat.h"
#include "service/api/caller_rules.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {

TeamMethods::TeamMethods(AppContext& context)
    : context_(context),
      catalog_(context.database, context.clock),
      teams_(context.database, context.clock, catalog_),
      members_(context.database, context.clock, catalog_),
      invitations_(context.database, context.clock, context.rate_limiter,
                   catalog_),
      grants_(context.database, context.clock, catalog_),
      definitions_(context.database, context.clock, catalog_) {}

core::TeamActor ActorOf(const Caller& caller) {
  core::TeamActor actor;
  actor.project_id = caller.project_id;
  actor.client = IsClient(caller);
  if (caller.user.has_value()) actor.user_id = caller.user->sub();
  return actor;
}

v1::SuccessResponse Success() {
  v1::SuccessResponse response;
  response.set_success(true);
  return response;
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
