#include "tools/latchkeyctl/commands_permissions.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "identity/v1/team_permission.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

int List(const Invocation& in, TeamPermissionService::Stub& stub,
         bool project_scope) {
  ListPermissionDefinitionsResponse response;
  return in.Do(
      Access::kAdmin,
      [&](grpc::ClientContext* c, ListPermissionDefinitionsResponse* r) {
        return project_scope ? stub.ListProjectPermissionDefinitions(c, {}, r)
                             : stub.ListTeamPermissionDefinitions(c, {}, r);
      },
      response, {"id", "description", "contained_permission_ids"});
}

int Define(const Invocation& in, TeamPermissionService::Stub& stub,
           bool project_scope) {
  if (in.Arg(2).empty()) return Usage("permissions define needs an ID");
  CreatePermissionDefinitionRequest request;
  request.set_id(in.Arg(2));
  if (in.line().Has("description")) {
    request.set_description(in.line().Get("description"));
  }
  for (absl::string_view id :
       absl::StrSplit(in.line().Get("contains"), ',', absl::SkipEmpty())) {
    request.add_contained_permission_ids(std::string(id));
  }
  PermissionDefinition response;
  return in.Do(
      Access::kAdmin,
      [&](grpc::ClientContext* c, PermissionDefinition* r) {
        return project_scope
                   ? stub.CreateProjectPermissionDefinition(c, request, r)
                   : stub.CreateTeamPermissionDefinition(c, request, r);
      },
      response);
}

// grant|revoke TEAM USER ID (team scope) or USER ID (project scope).
int GrantOrRevoke(const Invocation& in, TeamPermissionService::Stub& stub,
                  bool project_scope) {
  const std::string sub = in.Arg(1);
  const bool grant = sub == "grant";
  if (project_scope) {
    if (in.Arg(3).empty() || !in.Arg(4).empty()) {
      return Usage(absl::StrCat("permissions ", sub,
                                " --scope project needs USER PERMISSION (no "
                                "TEAM: project permissions are the user's)"));
    }
    if (grant) {
      GrantProjectPermissionRequest request;
      request.set_user_id(in.Arg(2));
      request.set_permission_id(in.Arg(3));
      ProjectPermission response;
      return in.Do(
          Access::kServer,
          [&](grpc::ClientContext* c, ProjectPermission* r) {
            return stub.GrantProjectPermission(c, request, r);
          },
          response);
    }
    RevokeProjectPermissionRequest request;
    request.set_user_id(in.Arg(2));
    request.set_permission_id(in.Arg(3));
    SuccessResponse response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, SuccessResponse* r) {
          return stub.RevokeProjectPermission(c, request, r);
        },
        response);
  }
  if (in.Arg(4).empty()) {
    return Usage("permissions " + sub + " needs TEAM USER PERMISSION");
  }
  if (grant) {
    GrantTeamPermissionRequest request;
    request.set_team_id(in.Arg(2));
    request.set_user_id(in.Arg(3));
    request.set_permission_id(in.Arg(4));
    TeamPermission response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, TeamPermission* r) {
          return stub.GrantTeamPermission(c, request, r);
        },
        response);
  }
  RevokeTeamPermissionRequest request;
  request.set_team_id(in.Arg(2));
  request.set_user_id(in.Arg(3));
  request.set_permission_id(in.Arg(4));
  SuccessResponse response;
  return in.Do(
      Access::kServer,
      [&](grpc::ClientContext* c, SuccessResponse* r) {
        return stub.RevokeTeamPermission(c, request, r);
      },
      response);
}

int Check(const Invocation& in, TeamPermissionService::Stub& stub) {
  if (in.Arg(3).empty()) return Usage("permissions check needs USER ID");
  CheckPermissionRequest request;
  request.set_user_id(in.Arg(2));
  request.set_permission_id(in.Arg(3));
  if (in.line().Has("team")) request.set_team_id(in.line().Get("team"));
  CheckPermissionResponse response;
  return in.Do(
      Access::kServer,
      [&](grpc::ClientContext* c, CheckPermissionResponse* r) {
        return stub.CheckPermission(c, request, r);
      },
      response);
}

int Permissions(const Invocation& in) {
  const std::string sub = in.Arg(1);
  const std::string scope = in.line().Get("scope", "team");
  if (scope != "team" && scope != "project") {
    return Usage(
        absl::StrCat("--scope takes team or project, not \"", scope, "\""));
  }
  const bool project_scope = scope == "project";
  auto stub = TeamPermissionService::NewStub(in.connection().channel());
  if (sub == "list") return List(in, *stub, project_scope);
  if (sub == "define") return Define(in, *stub, project_scope);
  if (sub == "grant" || sub == "revoke") {
    return GrantOrRevoke(in, *stub, project_scope);
  }
  if (sub == "check") {
    // The scope of a check is whether --team is given.
    if (in.line().Has("scope")) {
      return Usage(
          "permissions check takes --team TEAM for team scope, else checks "
          "project scope; not --scope");
    }
    return Check(in, *stub);
  }
  return Usage("permissions takes list, define, grant, revoke or check");
}

}  // namespace

const CommandGroup& PermissionCommands() {
  static const auto* group = new CommandGroup{
      {"permissions"},
      &Permissions,
      {
          {"permissions",
           "permissions list [--scope S] | define ID [--contains A,B] "
           "[--description D] [--scope S] | grant TEAM USER ID | revoke TEAM "
           "USER ID | grant USER ID --scope project | revoke USER ID --scope "
           "project | check USER ID [--team TEAM]",
           "permission definitions (admin), grants (server) and checks "
           "(server); --scope is team (the default: definitions and grants "
           "within a team) or project (a user's own, outside any team); "
           "check is in project scope without --team",
           "latchkeyctl --data_dir .data permissions check $USER read --team "
           "$TEAM\n  latchkeyctl --data_dir .data permissions define "
           "billing:read --scope project\n  latchkeyctl --data_dir .data "
           "permissions grant $USER billing:read --scope project"},
      }};
  return *group;
}

}  // namespace latchkey::ctl
