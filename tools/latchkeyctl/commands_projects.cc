#include "tools/latchkeyctl/commands_projects.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "google/protobuf/util/json_util.h"
#include "identity/v1/project.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

int UpdateProject(const Invocation& in, ProjectService::Stub& stub) {
  const CommandLine& line = in.line();
  if (int code = in.CheckOptions({"display_name", "description", "config"});
      code != kExitOk) {
    return code;
  }
  if (!in.Arg(2).empty()) {
    return Usage("projects update takes options only; it updates --project");
  }
  UpdateProjectRequest request;
  if (line.Has("display_name")) {
    request.set_display_name(line.Get("display_name"));
  }
  if (line.Has("description")) {
    request.set_description(line.Get("description"));
  }
  if (line.Has("config") && !google::protobuf::util::JsonStringToMessage(
                                 line.Get("config"), request.mutable_config())
                                 .ok()) {
    return Usage(
        "--config takes a JSON object of dotted config keys, e.g. "
        "'{\"password_min_length\": 10}'");
  }
  if (!request.has_display_name() && !request.has_description() &&
      !request.has_config()) {
    return Usage(
        "projects update needs --display_name, --description or --config");
  }
  Project response;
  return in.Do(
      Access::kAdmin,
      [&](grpc::ClientContext* c, Project* r) {
        return stub.UpdateProject(c, request, r);
      },
      response);
}

int Projects(const Invocation& in) {
  const std::string sub = in.Arg(1);
  const CommandLine& line = in.line();
  auto stub = ProjectService::NewStub(in.connection().channel());
  if (sub == "list") {
    ListProjectsResponse response;
    return in.Do(Access::kClient,
                 [&](grpc::ClientContext* c, ListProjectsResponse* r) {
                   return stub->ListProjects(c, {}, r);
                 },
                 response, {"id", "display_name", "created_at_millis"});
  }
  if (sub == "create") {
    if (in.Arg(2).empty()) return Usage("projects create needs a NAME");
    CreateProjectRequest request;
    request.set_display_name(in.Arg(2));
    if (line.Has("description")) {
      request.set_description(line.Get("description"));
    }
    Project response;
    // An administrator's token creates as that user (who then owns the
    // project); else the internal admin key.
    const Access access = in.connection().options().admin_key.empty()
                              ? Access::kClient
                              : Access::kAdmin;
    return in.Do(
        access,
        [&](grpc::ClientContext* c, Project* r) {
          return stub->CreateProject(c, request, r);
        },
        response);
  }
  if (sub == "get") {
    Project response;
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, Project* r) {
          return stub->GetProject(c, {}, r);
        },
        response);
  }
  if (sub == "update") return UpdateProject(in, *stub);
  if (sub == "delete") {
    SuccessResponse response;
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, SuccessResponse* r) {
          return stub->DeleteProject(c, {}, r);
        },
        response);
  }
  return Usage("projects takes list, create, get, update or delete");
}

int Keys(const Invocation& in) {
  const std::string sub = in.Arg(1);
  const CommandLine& line = in.line();
  auto stub = ProjectService::NewStub(in.connection().channel());
  if (sub == "list") {
    ListApiKeySetsResponse response;
    return in.Do(Access::kAdmin,
                 [&](grpc::ClientContext* c, ListApiKeySetsResponse* r) {
                   return stub->ListApiKeySets(c, {}, r);
                 },
                 response,
                 {"id", "description", "expires_at_millis",
                  "manually_revoked_at_millis"});
  }
  if (sub == "create") {
    CreateApiKeySetRequest request;
    request.set_description(line.Get("description", "latchkeyctl"));
    int days = 365;
    if (!absl::SimpleAtoi(line.Get("days", "365"), &days) || days < 1) {
      return Usage("--days takes a number of days, at least 1");
    }
    request.set_expires_at_millis(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            (std::chrono::system_clock::now() + std::chrono::hours(24) * days)
                .time_since_epoch())
            .count());
    const std::string kinds = line.Get("kinds", "publishable,server");
    request.set_has_publishable_client_key(
        absl::StrContains(kinds, "publishable"));
    request.set_has_secret_server_key(absl::StrContains(kinds, "server"));
    request.set_has_super_secret_admin_key(absl::StrContains(kinds, "admin"));
    CreatedApiKeySet response;
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, CreatedApiKeySet* r) {
          return stub->CreateApiKeySet(c, request, r);
        },
        response);
  }
  if (sub == "revoke") {
    if (in.Arg(2).empty()) return Usage("keys revoke needs a key set ID");
    UpdateApiKeySetRequest request;
    request.set_api_key_set_id(in.Arg(2));
    request.set_revoked(true);
    ApiKeySet response;
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, ApiKeySet* r) {
          return stub->UpdateApiKeySet(c, request, r);
        },
        response);
  }
  return Usage("keys takes list, create or revoke");
}

int Config(const Invocation& in) {
  const std::string sub = in.Arg(1);
  auto stub = ProjectService::NewStub(in.connection().channel());
  ProjectConfig response;
  if (sub == "get") {
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, ProjectConfig* r) {
          return stub->GetConfig(c, {}, r);
        },
        response);
  }
  if (sub == "set") {
    if (in.Arg(2).empty()) return Usage("config set needs a JSON object");
    UpdateConfigOverrideRequest request;
    request.set_level("project");
    request.set_config_override_string(in.Arg(2));
    return in.Do(
        Access::kAdmin,
        [&](grpc::ClientContext* c, ProjectConfig* r) {
          return stub->UpdateConfigOverride(c, request, r);
        },
        response);
  }
  return Usage("config takes get or set");
}

int Run(const Invocation& in) {
  if (in.Arg(0) == "projects") return Projects(in);
  if (in.Arg(0) == "keys") return Keys(in);
  return Config(in);
}

}  // namespace

const CommandGroup& ProjectCommands() {
  static const auto* group = new CommandGroup{
      {"projects", "keys", "config"},
      &Run,
      {
          {"projects",
           "projects list | create NAME [--description D] | get | update "
           "[--display_name N] [--description D] [--config JSON] | delete",
           "list: the projects the signed-in administrator (--access_token) "
           "owns; create: a project (internal admin key or an "
           "administrator's token); get/update/delete: the --project itself "
           "(admin); update's --config merges dotted keys into the project "
           "override, as config set does",
           "latchkeyctl --data_dir .data projects create 'My app' --field "
           "id\n  latchkeyctl --project $PROJECT --admin_key $KEY projects "
           "update --display_name 'My app' --config "
           "'{\"sign_up_enabled\": false}'"},
          {"keys",
           "keys list | create [--description D] [--kinds "
           "publishable,server,admin] [--days N] | revoke ID",
           "API key sets of --project (admin); new keys show only with "
           "--show-secrets, and only in create's answer",
           "latchkeyctl --project $PROJECT keys create --kinds publishable "
           "--show-secrets --field publishable_client_key"},
          {"config", "config get | set JSON",
           "the --project's effective configuration (admin); set merges "
           "dotted keys into the project override (a JSON merge patch: null "
           "restores the default)",
           "latchkeyctl --data_dir .data config set "
           "'{\"password_min_length\": 10}'"},
      }};
  return *group;
}

}  // namespace latchkey::ctl
