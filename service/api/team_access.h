#ifndef SERVICE_API_TEAM_ACCESS_H_
#define SERVICE_API_TEAM_ACCESS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "service/api/app_context.h"
#include "service/api/caller_rules.h"
#include "service/core/permission_catalog.h"
#include "service/core/users.h"
#include "service/pipeline/call_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api::teams {

// What the TeamPermissionService handlers share: the compiled permission
// definitions of every project this process serves (core/
// permission_catalog.h). Owned by the registered handlers; thread-safe.
struct TeamServiceState {
  explicit TeamServiceState(AppContext& context)
      : catalog(context.database, context.clock) {}
  core::PermissionCatalog catalog;
};

// Registers one TeamPermissionService method by its short name.
template <typename Request, typename Response>
absl::Status RegisterTeamMethod(
    MethodRegistry& registry, absl::string_view method,
    std::function<absl::StatusOr<Response>(CallContext&, const Request&)>
        handler) {
  return registry.Register<Request, Response>(
      absl::StrCat("identity.v1.TeamPermissionService.", method),
      std::move(handler));
}

// For client callers, who act only as themselves: the resolved id must be
// the caller's (CLIENT_CANNOT_ACCESS_OTHER_USERS otherwise). Server and
// admin callers may name anyone.
absl::Status RequireSelfForClient(const Caller& caller,
                                  const std::string& user_id);

// The client's own user id. The contract makes every TeamPermissionService
// method that clients may call require a signed-in user for them, so this
// is always present for clients.
const std::string& ClientUserId(const Caller& caller);

// TEAM_NOT_FOUND {team_id} for storage's NOT_FOUND; anything else
// unchanged.
absl::Status TeamNotFoundOr(const absl::Status& status,
                            const std::string& team_id);

// When the caller is a client: RequireTeamPermission (core) for its own
// user in `team_id`, i.e. TEAM_MEMBERSHIP_NOT_FOUND or
// TEAM_PERMISSION_REQUIRED. Nothing for server and admin callers.
absl::Status RequireClientTeamPermission(
    storage::Repositories& repos, const Caller& caller,
    const core::CompiledPermissions& compiled, const std::string& team_id,
    std::string_view permission_id);

// PATCH semantics shared by the update methods: a field is touched when a
// non-empty update_mask names it (REST fills the mask from the body's
// keys, so `"x": null` clears x), or, with an empty mask (a gRPC caller
// that sent none), when it is set (non-empty, for repeated fields).
class Touched {
 public:
  Touched(const google::protobuf::Message& request,
          const google::protobuf::FieldMask& mask)
      : request_(request), mask_(mask) {}

  // SCHEMA_ERROR when the mask names a field that is not in the request or
  // one of `fixed` (path fields, which an update cannot change).
  absl::Status Check(std::initializer_list<absl::string_view> fixed) const;

  bool operator()(absl::string_view name) const;

 private:
  const google::protobuf::Message& request_;
  const google::protobuf::FieldMask& mask_;
};

}  // namespace latchkey::service::api::teams

#endif  // SERVICE_API_TEAM_ACCESS_H_
