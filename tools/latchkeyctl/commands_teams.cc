#include "tools/latchkeyctl/commands_teams.h"

#include <string>

#include "identity/v1/team_permission.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

int Teams(const Invocation& in) {
  const std::string sub = in.Arg(1);
  auto stub = TeamPermissionService::NewStub(in.connection().channel());
  if (sub == "list") {
    ListTeamsRequest request;
    if (in.line().Has("user")) request.set_user_id(in.line().Get("user"));
    ListTeamsResponse response;
    return in.Do(Access::kServer,
                 [&](grpc::ClientContext* c, ListTeamsResponse* r) {
                   return stub->ListTeams(c, request, r);
                 },
                 response, {"id", "display_name"});
  }
  if (sub == "create") {
    if (in.Arg(2).empty()) return Usage("teams create needs a NAME");
    CreateTeamRequest request;
    request.set_display_name(in.Arg(2));
    Team response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, Team* r) {
          return stub->CreateTeam(c, request, r);
        },
        response);
  }
  if (sub == "members") {
    if (in.Arg(2).empty()) return Usage("teams members needs a TEAM");
    ListTeamMemberProfilesRequest request;
    request.set_team_id(in.Arg(2));
    ListTeamMemberProfilesResponse response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, ListTeamMemberProfilesResponse* r) {
          return stub->ListTeamMemberProfiles(c, request, r);
        },
        response, {"user_id", "display_name"});
  }
  if (sub == "add" || sub == "remove") {
    if (in.Arg(3).empty()) return Usage("teams " + sub + " needs TEAM USER");
    if (sub == "add") {
      AddTeamMemberRequest request;
      request.set_team_id(in.Arg(2));
      request.set_user_id(in.Arg(3));
      TeamMembership response;
      return in.Do(
          Access::kServer,
          [&](grpc::ClientContext* c, TeamMembership* r) {
            return stub->AddTeamMember(c, request, r);
          },
          response);
    }
    RemoveTeamMemberRequest request;
    request.set_team_id(in.Arg(2));
    request.set_user_id(in.Arg(3));
    SuccessResponse response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, SuccessResponse* r) {
          return stub->RemoveTeamMember(c, request, r);
        },
        response);
  }
  return Usage("teams takes list, create, members, add or remove");
}

}  // namespace

const CommandGroup& TeamCommands() {
  static const auto* group = new CommandGroup{
      {"teams"},
      &Teams,
      {
          {"teams",
           "teams list [--user ID] | create NAME | members TEAM | add TEAM "
           "USER | remove TEAM USER",
           "teams of --project (server or admin access)",
           "latchkeyctl --data_dir .data teams create Engineering --field id"},
      }};
  return *group;
}

}  // namespace latchkey::ctl
