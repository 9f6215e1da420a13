#include "service/api/team_access.h"

#include "absl/strings/str_cat.h"
#include "service/api/caller_rules.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api::teams {

TeamMethods::TeamMethods(AppContext& context)
    : context_(context),
      catalog_(context.permissions),
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

}  // namespace latchkey::service::api::teams
