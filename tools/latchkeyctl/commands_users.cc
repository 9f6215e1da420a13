#include "tools/latchkeyctl/commands_users.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "tools/latchkeyctl/user_import.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

// How `users update` options map to UpdateUserRequest fields.
enum class Kind { kString, kBool, kJson };
struct UpdateOption {
  const char* option;
  const char* field;
  Kind kind;
};

constexpr UpdateOption kUpdateOptions[] = {
    {"display_name", "display_name", Kind::kString},
    {"email", "primary_email", Kind::kString},
    {"email_verified", "primary_email_verified", Kind::kBool},
    {"email_auth_enabled", "primary_email_auth_enabled", Kind::kBool},
    {"password", "password", Kind::kString},
    {"profile_image_url", "profile_image_url", Kind::kString},
    {"client_metadata", "client_metadata", Kind::kJson},
    {"client_read_only_metadata", "client_read_only_metadata", Kind::kJson},
    {"server_metadata", "server_metadata", Kind::kJson},
    {"restricted", "restricted_by_admin", Kind::kBool},
    {"restricted_reason", "restricted_by_admin_reason", Kind::kString},
    {"country_code", "country_code", Kind::kString},
    {"selected_team", "selected_team_id", Kind::kString},
    {"otp_auth_enabled", "otp_auth_enabled", Kind::kBool},
    {"passkey_auth_enabled", "passkey_auth_enabled", Kind::kBool},
};

// Sets one field of `request` from an option's text. Empty on success,
// else the usage error.
std::string SetField(UpdateUserRequest& request, const UpdateOption& option,
                     const std::string& text) {
  const auto* field = request.GetDescriptor()->FindFieldByName(option.field);
  const auto* reflection = request.GetReflection();
  switch (option.kind) {
    case Kind::kString:
      reflection->SetString(&request, field, text);
      return "";
    case Kind::kBool:
      if (text != "true" && text != "false") {
        return absl::StrCat("--", option.option, " takes true or false");
      }
      reflection->SetBool(&request, field, text == "true");
      return "";
    case Kind::kJson:
      if (!google::protobuf::util::JsonStringToMessage(
               text, reflection->MutableMessage(&request, field))
               .ok()) {
        return absl::StrCat("--", option.option,
                            " takes a JSON value, e.g. '{\"plan\": \"pro\"}'");
      }
      return "";
  }
  return "";
}

// `users update ID [--OPTION VALUE]... [--clear FIELD,...]`: the mask names
// exactly the fields given, so --clear can set one to null.
int UpdateUser(const Invocation& in, UserService::Stub& stub) {
  const CommandLine& line = in.line();
  if (int code = in.CheckOptions(
          {"display_name", "email", "email_verified", "email_auth_enabled",
           "password", "profile_image_url", "client_metadata",
           "client_read_only_metadata", "server_metadata", "restricted",
           "restricted_reason", "country_code", "selected_team",
           "otp_auth_enabled", "passkey_auth_enabled", "clear"});
      code != kExitOk) {
    return code;
  }
  if (in.Arg(2).empty()) return Usage("users update needs a user ID");
  UpdateUserRequest request;
  request.set_user_id(in.Arg(2));
  for (const UpdateOption& option : kUpdateOptions) {
    if (!line.Has(option.option)) continue;
    std::string error = SetField(request, option, line.Get(option.option));
    if (!error.empty()) return Usage(error);
    request.mutable_update_mask()->add_paths(option.field);
  }
  for (absl::string_view name :
       absl::StrSplit(line.Get("clear"), ',', absl::SkipEmpty())) {
    const UpdateOption* found = nullptr;
    for (const UpdateOption& option : kUpdateOptions) {
      if (name == option.option && option.kind != Kind::kBool) found = &option;
    }
    if (found == nullptr) {
      return Usage(absl::StrCat(
          "--clear takes option names of text or JSON fields (display_name, "
          "email, password, profile_image_url, client_metadata, ...), not \"",
          name, "\""));
    }
    if (line.Has(found->option)) {
      return Usage(absl::StrCat("--", name, " and --clear ", name,
                                " contradict each other"));
    }
    request.mutable_update_mask()->add_paths(found->field);
  }
  if (request.update_mask().paths_size() == 0) {
    return Usage(
        "users update needs at least one field to change (see: latchkeyctl "
        "help users)");
  }
  User response;
  return in.Do(
      Access::kServer,
      [&](grpc::ClientContext* c, User* r) {
        return stub.UpdateUser(c, request, r);
      },
      response);
}

int Users(const Invocation& in) {
  const std::string sub = in.Arg(1);
  const CommandLine& line = in.line();
  auto stub = UserService::NewStub(in.connection().channel());
  if (sub == "list") {
    ListUsersRequest request;
    if (line.Has("query")) request.set_query(line.Get("query"));
    ListUsersResponse response;
    return in.Do(Access::kServer,
                 [&](grpc::ClientContext* c, ListUsersResponse* r) {
                   return stub->ListUsers(c, request, r);
                 },
                 response, {"id", "primary_email", "display_name"});
  }
  if (sub == "create") {
    CreateUserRequest request;
    if (line.Has("email")) request.set_primary_email(line.Get("email"));
    if (line.Has("password")) request.set_password(line.Get("password"));
    if (line.Has("display_name")) {
      request.set_display_name(line.Get("display_name"));
    }
    // The API's default keeps a created user's address out of sign-in (as
    // Stack's does); someone who gives an email and a password here means
    // to sign in with them, so that pair turns it on unless told otherwise.
    if (line.Has("email_auth_enabled")) {
      const std::string enabled = line.Get("email_auth_enabled");
      if (enabled != "true" && enabled != "false") {
        return Usage("--email_auth_enabled takes true or false");
      }
      request.set_primary_email_auth_enabled(enabled == "true");
    } else if (line.Has("email") && line.Has("password")) {
      request.set_primary_email_auth_enabled(true);
    }
    User response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, User* r) {
          return stub->CreateUser(c, request, r);
        },
        response);
  }
  if (sub == "update") return UpdateUser(in, *stub);
  if (sub == "get" || sub == "delete") {
    if (in.Arg(2).empty()) return Usage("users " + sub + " needs a user ID");
    if (sub == "get") {
      GetUserRequest request;
      request.set_user_id(in.Arg(2));
      User response;
      return in.Do(
          Access::kServer,
          [&](grpc::ClientContext* c, User* r) {
            return stub->GetUser(c, request, r);
          },
          response);
    }
    DeleteUserRequest request;
    request.set_user_id(in.Arg(2));
    SuccessResponse response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, SuccessResponse* r) {
          return stub->DeleteUser(c, request, r);
        },
        response);
  }
  if (sub == "import") return ImportUsers(in, in.Arg(2));
  return Usage("users takes list, create, get, update, delete or import");
}

int Sessions(const Invocation& in) {
  const std::string sub = in.Arg(1);
  auto stub = AuthService::NewStub(in.connection().channel());
  if (sub == "list") {
    if (in.Arg(2).empty()) return Usage("sessions list needs a USER");
    ListSessionsRequest request;
    request.set_user_id(in.Arg(2));
    ListSessionsResponse response;
    return in.Do(Access::kServer,
                 [&](grpc::ClientContext* c, ListSessionsResponse* r) {
                   return stub->ListSessions(c, request, r);
                 },
                 response,
                 {"id", "created_at", "last_used_at", "is_impersonation"});
  }
  if (sub == "revoke") {
    if (in.Arg(3).empty()) return Usage("sessions revoke needs USER SESSION");
    RevokeSessionRequest request;
    request.set_user_id(in.Arg(2));
    request.set_session_id(in.Arg(3));
    SuccessResponse response;
    return in.Do(
        Access::kServer,
        [&](grpc::ClientContext* c, SuccessResponse* r) {
          return stub->RevokeSession(c, request, r);
        },
        response);
  }
  return Usage("sessions takes list or revoke");
}

int Run(const Invocation& in) {
  return in.Arg(0) == "users" ? Users(in) : Sessions(in);
}

}  // namespace

const CommandGroup& UserCommands() {
  static const auto* group = new CommandGroup{
      {"users", "sessions"},
      &Run,
      {
          {"users",
           "users list [--query Q] | create --email E [--password P] "
           "[--display_name N] [--email_auth_enabled true|false] | get ID | "
           "update ID [options] | delete ID | "
           "import FILE",
           "users of --project (server or admin access). create signs in "
           "with the email only when --email_auth_enabled is true, which "
           "--email with --password implies. update changes "
           "only what it is given: --display_name, --email, --email_verified "
           "true|false, --email_auth_enabled true|false, --password, "
           "--profile_image_url, --client_metadata JSON, "
           "--client_read_only_metadata JSON, --server_metadata JSON, "
           "--restricted true|false, --restricted_reason, --country_code, "
           "--selected_team, --otp_auth_enabled true|false, "
           "--passkey_auth_enabled true|false; --clear NAME,... sets those "
           "(text or JSON ones) to null. import: see latchkeyctl help import",
           "latchkeyctl --data_dir .data users list --json\n  latchkeyctl "
           "--data_dir .data users update $USER --display_name "
           "'Ada Lovelace' --server_metadata '{\"plan\": \"pro\"}'"},
          {"import", "users import FILE",
           "imports users from JSON lines (one ImportedUser object per line, "
           "as ImportUsers takes) or CSV (FILE.csv: a header row of the same "
           "field names), 1000 rows per call; a summary of created, updated "
           "and failed rows with each failure's line and reason",
           "latchkeyctl --project $PROJECT --server_key $KEY users import "
           "users.jsonl"},
          {"sessions", "sessions list USER | revoke USER SESSION",
           "a user's refresh sessions (server or admin access)",
           "latchkeyctl --data_dir .data sessions list $USER"},
      }};
  return *group;
}

}  // namespace latchkey::ctl
