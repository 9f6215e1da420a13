// latchkeyctl: Latchkey's command line for operators and scripts, a gRPC
// client of latchkeyd. `latchkeyctl help` lists commands and exit codes.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "identity/v1/auth.grpc.pb.h"
#include "identity/v1/project.grpc.pb.h"
#include "identity/v1/team_permission.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "identity/v1/user.grpc.pb.h"
#include "tools/latchkeyctl/connection.h"
#include "tools/latchkeyctl/output.h"

namespace latchkey::ctl {
namespace {

struct CommandHelp {
  const char* usage;
  const char* about;
  const char* example;
};

const std::map<std::string, CommandHelp>& Help() {
  static const auto* help = new std::map<std::string, CommandHelp>{
      {"health",
       {"health [--wait SECONDS]",
        "whether latchkeyd answers (a credential-free JWKS read; --wait "
        "retries until it does)",
        "latchkeyctl health --wait 30"}},
      {"jwks",
       {"jwks", "the project's public signing keys (no credentials needed)",
        "latchkeyctl --project internal jwks --json"}},
      {"setup",
       {"setup --email E --password P [--display_name N]",
        "creates the first administrator (internal project); prints their "
        "user id, and their tokens with --show-secrets",
        "latchkeyctl setup --email admin@example.com --password 'long "
        "passphrase' --show-secrets --field access_token"}},
      {"recover",
       {"recover --email E --new_password P",
        "sets an internal-project user's password with the recovery key "
        "from env LATCHKEY_ADMIN_RECOVERY_KEY (latchkeyd must have the same "
        "one) and ends their sessions",
        "LATCHKEY_ADMIN_RECOVERY_KEY=... latchkeyctl recover --email "
        "admin@example.com --new_password 'new passphrase'"}},
      {"projects",
       {"projects list | create NAME [--description D] | get | delete",
        "list: the projects the signed-in administrator (--access_token) "
        "owns; create: a project (internal admin key or an administrator's "
        "token); get/delete: the --project itself (admin)",
        "latchkeyctl --data_dir .data projects create 'My app' --field id"}},
      {"keys",
       {"keys list | create [--description D] [--kinds "
        "publishable,server,admin] [--days N] | revoke ID",
        "API key sets of --project (admin); new keys show only with "
        "--show-secrets, and only in create's answer",
        "latchkeyctl --project $PROJECT keys create --kinds publishable "
        "--show-secrets --field publishable_client_key"}},
      {"users",
       {"users list [--query Q] | create --email E [--password P] "
        "[--display_name N] | get ID | delete ID",
        "users of --project (server or admin access)",
        "latchkeyctl --data_dir .data users list --json"}},
      {"config",
       {"config get | set JSON",
        "the --project's effective configuration (admin); set merges dotted "
        "keys into the project override (a JSON merge patch: null restores "
        "the default)",
        "latchkeyctl --data_dir .data config set '{\"password_min_length\": "
        "10}'"}},
      {"import",
       {"users import FILE",
        "imports users from JSON lines (one ImportedUser object per line, "
        "as ImportUsers takes) or CSV (FILE.csv: a header row of the same "
        "field names), 1000 rows per call; a summary of created, updated "
        "and failed rows with each failure's line and reason",
        "latchkeyctl --project $PROJECT --server_key $KEY users import "
        "users.jsonl"}},
      {"teams",
       {"teams list [--user ID] | create NAME | members TEAM | add TEAM USER "
        "| remove TEAM USER",
        "teams of --project (server or admin access)",
        "latchkeyctl --data_dir .data teams create Engineering --field id"}},
      {"permissions",
       {"permissions list | define ID [--contains A,B] | grant TEAM USER ID "
        "| revoke TEAM USER ID | check USER ID [--team TEAM]",
        "team permission definitions (admin), grants (server) and checks "
        "(project scope without --team)",
        "latchkeyctl --data_dir .data permissions check $USER read --team "
        "$TEAM"}},
      {"sessions",
       {"sessions list USER | revoke USER SESSION",
        "a user's refresh sessions (server or admin access)",
        "latchkeyctl --data_dir .data sessions list $USER"}},
      {"tokens",
       {"tokens validate TOKEN",
        "checks an access token of --project (server or admin access): the "
        "verified claims, or the reason it is refused",
        "latchkeyctl --data_dir .data tokens validate \"$ACCESS_TOKEN\""}},
  };
  return *help;
}

void PrintUsage(std::ostream& out) {
  out << "Usage: latchkeyctl [options] COMMAND [args]\n\nCommands:\n";
  for (const auto& [name, help] : Help()) {
    out << "  " << help.usage << "\n      " << help.about << "\n";
  }
  out << R"(  help [COMMAND]
      this text, or one command's with an example

Options (anywhere on the line; --name=value or --name value):
  --address HOST:PORT   latchkeyd's gRPC address (env LATCHKEY_ADDRESS;
                        default 127.0.0.1:50051)
  --project ID          the project to act on (env LATCHKEY_PROJECT;
                        default internal)
  --admin_key KEY       super-secret admin key (env LATCHKEY_ADMIN_KEY)
  --server_key KEY      secret server key (env LATCHKEY_SERVER_KEY)
  --access_token JWT    a signed-in user's access token, used as an admin
                        access token for projects they own (env
                        LATCHKEY_ACCESS_TOKEN)
  --data_dir DIR        latchkeyd --dev's data directory: the internal
                        project's keys from DIR/dev-secrets.env (env
                        LATCHKEY_DATA_DIR)
  --tls, --tls_ca_file PEM
                        TLS to a proxy in front of latchkeyd (latchkeyd
                        itself serves plaintext)
  --timeout SECONDS     per call (default 10)
  --json                answers as JSON (for scripts)
  --field NAME          print one top-level field of the answer
  --show-secrets        print keys and tokens instead of hiding them

Exit codes: 0 done; 1 the server refused (the line names the error code);
2 bad command line; 3 no server at --address; 4 credentials missing or
refused.
)";
}

// The parsed command line: options by name, and the other words in order.
struct CommandLine {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool Has(const std::string& name) const { return options.count(name) > 0; }
  std::string Get(const std::string& name, std::string fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
};

bool IsBooleanOption(const std::string& name) {
  return name == "json" || name == "show-secrets" || name == "tls" ||
         name == "help";
}

bool Parse(int argc, char** argv, CommandLine& line, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      line.words.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!IsBooleanOption(name)) {
      if (i + 1 >= argc) {
        error = absl::StrCat("--", name, " needs a value");
        return false;
      }
      value = argv[++i];
    } else {
      value = "true";
    }
    line.options[name] = value;
  }
  return true;
}

int Usage(const std::string& message) {
  std::cerr << "latchkeyctl: " << message << " (see: latchkeyctl help)"
            << std::endl;
  return kExitUsage;
}

class Cli {
 public:
  Cli(const CommandLine& line, Connection connection)
      : line_(line), connection_(std::move(connection)) {
    output_.json = line.Has("json");
    output_.show_secrets = line.Has("show-secrets");
    output_.field = line.Get("field");
  }

  int Run() {
    const std::vector<std::string>& w = line_.words;
    const std::string command = w[0];
    const std::string sub = w.size() > 1 ? w[1] : "";
    if (command == "health") return Health();
    if (command == "jwks") return Jwks();
    if (command == "setup") return Setup();
    if (command == "recover") return Recover();
    if (command == "projects") return Projects(sub);
    if (command == "keys") return Keys(sub);
    if (command == "users") return Users(sub);
    if (command == "tokens" && sub == "validate") return ValidateToken();
    if (command == "config") return Config(sub);
    if (command == "teams") return Teams(sub);
    if (command == "permissions") return Permissions(sub);
    if (command == "sessions") return Sessions(sub);
    return Usage(absl::StrCat("unknown command \"", command, " ", sub, "\""));
  }

 private:
  std::string Arg(size_t index) const {
    return index < line_.words.size() ? line_.words[index] : "";
  }

  int Fail(const grpc::Status& status) {
    CallError error = DescribeError(status, connection_.options());
    std::cerr << "latchkeyctl: " << error.line << std::endl;
    return error.exit_code;
  }

  int Print(const google::protobuf::Message& message,
            const std::vector<std::string>& columns = {}) {
    if (!PrintMessage(message, output_, columns)) {
      return Usage(
          absl::StrCat("the answer has no field \"", output_.field, "\""));
    }
    return kExitOk;
  }

  template <typename Call, typename Response>
  int Do(Access access, Call call, Response& response,
         const std::vector<std::string>& columns = {}) {
    std::unique_ptr<grpc::ClientContext> context = connection_.Context(access);
    grpc::Status status = call(context.get(), &response);
    if (!status.ok()) return Fail(status);
    return Print(response, columns);
  }

  int Health() {
    int wait = 0;
    if (line_.Has("wait") && !absl::SimpleAtoi(line_.Get("wait"), &wait)) {
      return Usage("--wait takes seconds");
    }
    const auto deadline =
        std::chrono::system_clock::now() + std::chrono::seconds(wait);
    auto stub = identity::v1::TokenService::NewStub(connection_.channel());
    for (;;) {
      // A JWKS read goes through the whole pipeline and the key ring but
      // needs no credentials.
      identity::v1::GetJwksRequest request;
      request.set_project_id("internal");
      identity::v1::Jwks jwks;
      std::unique_ptr<grpc::ClientContext> context =
          connection_.Context(Access::kNone);
      if (wait > 0) context->set_wait_for_ready(true);
      if (wait > 0) context->set_deadline(deadline);
      grpc::Status status = stub->GetJwks(context.get(), request, &jwks);
      if (status.ok()) {
        if (output_.json) {
          std::cout << "{\"status\":\"SERVING\",\"address\":\""
                    << connection_.options().address << "\"}\n";
        } else {
          std::cout << "SERVING at " << connection_.options().address << "\n";
        }
        return kExitOk;
      }
      if (std::chrono::system_clock::now() >= deadline) return Fail(status);
    }
  }

  int Jwks() {
    auto stub = identity::v1::TokenService::NewStub(connection_.channel());
    identity::v1::GetJwksRequest request;
    request.set_project_id(connection_.options().project);
    identity::v1::Jwks response;
    return Do(
        Access::kNone,
        [&](grpc::ClientContext* c, identity::v1::Jwks* r) {
          return stub->GetJwks(c, request, r);
        },
        response);
  }

  int Setup() {
    if (!line_.Has("email") || !line_.Has("password")) {
      return Usage("setup needs --email and --password");
    }
    auto stub = identity::v1::AuthService::NewStub(connection_.channel());
    identity::v1::SetupFirstAdminRequest request;
    request.set_email(line_.Get("email"));
    request.set_password(line_.Get("password"));
    request.set_display_name(line_.Get("display_name", "Administrator"));
    identity::v1::SignInResponse response;
    return Do(
        Access::kNone,
        [&](grpc::ClientContext* c, identity::v1::SignInResponse* r) {
          return stub->SetupFirstAdmin(c, request, r);
        },
        response);
  }

  int Recover() {
    const char* key = std::getenv("LATCHKEY_ADMIN_RECOVERY_KEY");
    if (!line_.Has("email") || !line_.Has("new_password") || key == nullptr) {
      return Usage(
          "recover needs --email, --new_password and "
          "LATCHKEY_ADMIN_RECOVERY_KEY in the environment");
    }
    auto stub = identity::v1::AuthService::NewStub(connection_.channel());
    identity::v1::RecoverAdminPasswordRequest request;
    request.set_email(line_.Get("email"));
    request.set_new_password(line_.Get("new_password"));
    request.set_recovery_key(key);
    identity::v1::SuccessResponse response;
    return Do(
        Access::kNone,
        [&](grpc::ClientContext* c, identity::v1::SuccessResponse* r) {
          return stub->RecoverAdminPassword(c, request, r);
        },
        response);
  }

  int Projects(const std::string& sub) {
    auto stub = identity::v1::ProjectService::NewStub(connection_.channel());
    if (sub == "list") {
      identity::v1::ListProjectsResponse response;
      return Do(
          Access::kClient,
          [&](grpc::ClientContext* c, identity::v1::ListProjectsResponse* r) {
            return stub->ListProjects(c, {}, r);
          },
          response, {"id", "display_name", "created_at_millis"});
    }
    if (sub == "create") {
      if (Arg(2).empty()) return Usage("projects create needs a NAME");
      identity::v1::CreateProjectRequest request;
      request.set_display_name(Arg(2));
      if (line_.Has("description")) {
        request.set_description(line_.Get("description"));
      }
      identity::v1::Project response;
      // An administrator's token creates as that user (who then owns the
      // project); else the internal admin key.
      const Access access = connection_.options().admin_key.empty()
                                ? Access::kClient
                                : Access::kAdmin;
      return Do(
          access,
          [&](grpc::ClientContext* c, identity::v1::Project* r) {
            return stub->CreateProject(c, request, r);
          },
          response);
    }
    if (sub == "get") {
      identity::v1::Project response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::Project* r) {
            return stub->GetProject(c, {}, r);
          },
          response);
    }
    if (sub == "delete") {
      identity::v1::SuccessResponse response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::SuccessResponse* r) {
            return stub->DeleteProject(c, {}, r);
          },
          response);
    }
    return Usage("projects takes list, create, get or delete");
  }

  int Keys(const std::string& sub) {
    auto stub = identity::v1::ProjectService::NewStub(connection_.channel());
    if (sub == "list") {
      identity::v1::ListApiKeySetsResponse response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::ListApiKeySetsResponse* r) {
            return stub->ListApiKeySets(c, {}, r);
          },
          response,
          {"id", "description", "expires_at_millis",
           "manually_revoked_at_millis"});
    }
    if (sub == "create") {
      identity::v1::CreateApiKeySetRequest request;
      request.set_description(line_.Get("description", "latchkeyctl"));
      int days = 365;
      if (!absl::SimpleAtoi(line_.Get("days", "365"), &days) || days < 1) {
        return Usage("--days takes a number of days, at least 1");
      }
      request.set_expires_at_millis(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              (std::chrono::system_clock::now() + std::chrono::hours(24) * days)
                  .time_since_epoch())
              .count());
      const std::string kinds = line_.Get("kinds", "publishable,server");
      request.set_has_publishable_client_key(
          absl::StrContains(kinds, "publishable"));
      request.set_has_secret_server_key(absl::StrContains(kinds, "server"));
      request.set_has_super_secret_admin_key(absl::StrContains(kinds, "admin"));
      identity::v1::CreatedApiKeySet response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::CreatedApiKeySet* r) {
            return stub->CreateApiKeySet(c, request, r);
          },
          response);
    }
    if (sub == "revoke") {
      if (Arg(2).empty()) return Usage("keys revoke needs a key set ID");
      identity::v1::UpdateApiKeySetRequest request;
      request.set_api_key_set_id(Arg(2));
      request.set_revoked(true);
      identity::v1::ApiKeySet response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::ApiKeySet* r) {
            return stub->UpdateApiKeySet(c, request, r);
          },
          response);
    }
    return Usage("keys takes list, create or revoke");
  }

  int Users(const std::string& sub) {
    auto stub = identity::v1::UserService::NewStub(connection_.channel());
    if (sub == "list") {
      identity::v1::ListUsersRequest request;
      if (line_.Has("query")) request.set_query(line_.Get("query"));
      identity::v1::ListUsersResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, identity::v1::ListUsersResponse* r) {
            return stub->ListUsers(c, request, r);
          },
          response, {"id", "primary_email", "display_name"});
    }
    if (sub == "create") {
      identity::v1::CreateUserRequest request;
      if (line_.Has("email")) request.set_primary_email(line_.Get("email"));
      if (line_.Has("password")) request.set_password(line_.Get("password"));
      if (line_.Has("display_name")) {
        request.set_display_name(line_.Get("display_name"));
      }
      identity::v1::User response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, identity::v1::User* r) {
            return stub->CreateUser(c, request, r);
          },
          response);
    }
    if (sub == "get" || sub == "delete") {
      if (Arg(2).empty()) return Usage("users " + sub + " needs a user ID");
      if (sub == "get") {
        identity::v1::GetUserRequest request;
        request.set_user_id(Arg(2));
        identity::v1::User response;
        return Do(
            Access::kServer,
            [&](grpc::ClientContext* c, identity::v1::User* r) {
              return stub->GetUser(c, request, r);
            },
            response);
      }
      identity::v1::DeleteUserRequest request;
      request.set_user_id(Arg(2));
      identity::v1::SuccessResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, identity::v1::SuccessResponse* r) {
            return stub->DeleteUser(c, request, r);
          },
          response);
    }
    if (sub == "import") return Import(Arg(2));
    return Usage("users takes list, create, get, delete or import");
  }

  int ValidateToken() {
    if (Arg(2).empty()) return Usage("tokens validate needs a TOKEN");
    auto stub = identity::v1::TokenService::NewStub(connection_.channel());
    identity::v1::ValidateAccessTokenRequest request;
    request.set_access_token(Arg(2));
    identity::v1::ValidateAccessTokenResponse response;
    return Do(
        Access::kServer,
        [&](grpc::ClientContext* c,
            identity::v1::ValidateAccessTokenResponse* r) {
          return stub->ValidateAccessToken(c, request, r);
        },
        response);
  }

  int Config(const std::string& sub) {
    auto stub = identity::v1::ProjectService::NewStub(connection_.channel());
    identity::v1::ProjectConfig response;
    if (sub == "get") {
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::ProjectConfig* r) {
            return stub->GetConfig(c, {}, r);
          },
          response);
    }
    if (sub == "set") {
      if (Arg(2).empty()) return Usage("config set needs a JSON object");
      identity::v1::UpdateConfigOverrideRequest request;
      request.set_level("project");
      request.set_config_override_string(Arg(2));
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, identity::v1::ProjectConfig* r) {
            return stub->UpdateConfigOverride(c, request, r);
          },
          response);
    }
    return Usage("config takes get or set");
  }

  // One CSV line, with "quoted, fields" and "" for a quote.
  static std::vector<std::string> SplitCsv(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    return fields;
  }

  // A CSV row as the JSON object ImportedUser reads (empty cells unset;
  // true/false and numbers as they are).
  static std::string CsvRowAsJson(const std::vector<std::string>& header,
                                  const std::vector<std::string>& cells) {
    google::protobuf::Struct row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
      if (cells[i].empty()) continue;
      auto& value = (*row.mutable_fields())[header[i]];
      double number;
      if (cells[i] == "true" || cells[i] == "false") {
        value.set_bool_value(cells[i] == "true");
      } else if (header[i] == "signed_up_at_millis" &&
                 absl::SimpleAtod(cells[i], &number)) {
        value.set_number_value(number);
      } else {
        value.set_string_value(cells[i]);
      }
    }
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(row, &json);
    return json;
  }

  int Import(const std::string& path) {
    if (path.empty()) return Usage("users import needs a FILE");
    std::ifstream in(path);
    if (!in) return Usage(absl::StrCat("cannot read ", path));
    const bool csv = absl::EndsWith(path, ".csv");
    identity::v1::ImportUsersResponse summary;
    std::vector<std::pair<int, identity::v1::ImportedUser>> rows;
    std::vector<std::string> header;
    std::string text;
    int line_number = 0;
    while (std::getline(in, text)) {
      ++line_number;
      if (absl::StripAsciiWhitespace(text).empty()) continue;
      if (csv && header.empty()) {
        header = SplitCsv(std::string(absl::StripAsciiWhitespace(text)));
        continue;
      }
      const std::string json =
          csv ? CsvRowAsJson(
                    header,
                    SplitCsv(std::string(absl::StripAsciiWhitespace(text))))
              : text;
      identity::v1::ImportedUser user;
      if (!google::protobuf::util::JsonStringToMessage(json, &user).ok()) {
        auto* failed = summary.add_items();
        failed->set_index(line_number);
        failed->set_outcome("failed");
        failed->set_error_code("SCHEMA_ERROR");
        failed->set_error_message(
            "not an ImportedUser object (unknown field or wrong type)");
        summary.set_failed_count(summary.failed_count() + 1);
        continue;
      }
      rows.emplace_back(line_number, std::move(user));
    }
    auto stub = identity::v1::UserService::NewStub(connection_.channel());
    const bool progress = ::isatty(2) && !output_.json;
    constexpr size_t kBatch = 1000;
    for (size_t start = 0; start < rows.size(); start += kBatch) {
      identity::v1::ImportUsersRequest request;
      const size_t end = std::min(rows.size(), start + kBatch);
      for (size_t i = start; i < end; ++i) {
        *request.add_users() = rows[i].second;
      }
      identity::v1::ImportUsersResponse response;
      std::unique_ptr<grpc::ClientContext> context =
          connection_.Context(Access::kServer);
      grpc::Status status =
          stub->ImportUsers(context.get(), request, &response);
      if (!status.ok()) return Fail(status);
      for (const auto& result : response.items()) {
        if (result.outcome() != "failed") continue;
        auto* failed = summary.add_items();
        *failed = result;
        failed->set_index(rows[start + result.index()].first);
      }
      summary.set_created_count(summary.created_count() +
                                response.created_count());
      summary.set_updated_count(summary.updated_count() +
                                response.updated_count());
      summary.set_failed_count(summary.failed_count() +
                               response.failed_count());
      if (progress) {
        std::cerr << "\rimported " << end << "/" << rows.size() << " rows"
                  << std::flush;
      }
    }
    if (progress) std::cerr << "\n";
    if (output_.json) {
      PrintMessage(summary, output_);
    } else {
      std::cout << "created " << summary.created_count() << ", updated "
                << summary.updated_count() << ", failed "
                << summary.failed_count() << "\n";
      for (const auto& failed : summary.items()) {
        std::cout << path << ":" << failed.index() << ": "
                  << failed.error_code() << ": " << failed.error_message()
                  << "\n";
      }
    }
    return summary.failed_count() > 0 ? kExitRefused : kExitOk;
  }

  int Teams(const std::string& sub) {
    auto stub =
        identity::v1::TeamPermissionService::NewStub(connection_.channel());
    using namespace identity::v1;  // NOLINT: message names read better bare
    if (sub == "list") {
      ListTeamsRequest request;
      if (line_.Has("user")) request.set_user_id(line_.Get("user"));
      ListTeamsResponse response;
      return Do(Access::kServer,
                [&](grpc::ClientContext* c, ListTeamsResponse* r) {
                  return stub->ListTeams(c, request, r);
                },
                response, {"id", "display_name"});
    }
    if (sub == "create") {
      if (Arg(2).empty()) return Usage("teams create needs a NAME");
      CreateTeamRequest request;
      request.set_display_name(Arg(2));
      Team response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, Team* r) {
            return stub->CreateTeam(c, request, r);
          },
          response);
    }
    if (sub == "members") {
      if (Arg(2).empty()) return Usage("teams members needs a TEAM");
      ListTeamMemberProfilesRequest request;
      request.set_team_id(Arg(2));
      ListTeamMemberProfilesResponse response;
      return Do(Access::kServer,
                [&](grpc::ClientContext* c, ListTeamMemberProfilesResponse* r) {
                  return stub->ListTeamMemberProfiles(c, request, r);
                },
                response, {"user_id", "display_name"});
    }
    if (sub == "add" || sub == "remove") {
      if (Arg(3).empty()) return Usage("teams " + sub + " needs TEAM USER");
      if (sub == "add") {
        AddTeamMemberRequest request;
        request.set_team_id(Arg(2));
        request.set_user_id(Arg(3));
        TeamMembership response;
        return Do(
            Access::kServer,
            [&](grpc::ClientContext* c, TeamMembership* r) {
              return stub->AddTeamMember(c, request, r);
            },
            response);
      }
      RemoveTeamMemberRequest request;
      request.set_team_id(Arg(2));
      request.set_user_id(Arg(3));
      SuccessResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, SuccessResponse* r) {
            return stub->RemoveTeamMember(c, request, r);
          },
          response);
    }
    return Usage("teams takes list, create, members, add or remove");
  }

  int Permissions(const std::string& sub) {
    auto stub =
        identity::v1::TeamPermissionService::NewStub(connection_.channel());
    using namespace identity::v1;  // NOLINT: message names read better bare
    if (sub == "list") {
      ListPermissionDefinitionsResponse response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, ListPermissionDefinitionsResponse* r) {
            return stub->ListTeamPermissionDefinitions(c, {}, r);
          },
          response, {"id", "description", "contained_permission_ids"});
    }
    if (sub == "define") {
      if (Arg(2).empty()) return Usage("permissions define needs an ID");
      CreatePermissionDefinitionRequest request;
      request.set_id(Arg(2));
      if (line_.Has("description")) {
        request.set_description(line_.Get("description"));
      }
      for (absl::string_view id :
           absl::StrSplit(line_.Get("contains"), ',', absl::SkipEmpty())) {
        request.add_contained_permission_ids(std::string(id));
      }
      PermissionDefinition response;
      return Do(
          Access::kAdmin,
          [&](grpc::ClientContext* c, PermissionDefinition* r) {
            return stub->CreateTeamPermissionDefinition(c, request, r);
          },
          response);
    }
    if (sub == "grant" || sub == "revoke") {
      if (Arg(4).empty()) {
        return Usage("permissions " + sub + " needs TEAM USER PERMISSION");
      }
      if (sub == "grant") {
        GrantTeamPermissionRequest request;
        request.set_team_id(Arg(2));
        request.set_user_id(Arg(3));
        request.set_permission_id(Arg(4));
        TeamPermission response;
        return Do(
            Access::kServer,
            [&](grpc::ClientContext* c, TeamPermission* r) {
              return stub->GrantTeamPermission(c, request, r);
            },
            response);
      }
      RevokeTeamPermissionRequest request;
      request.set_team_id(Arg(2));
      request.set_user_id(Arg(3));
      request.set_permission_id(Arg(4));
      SuccessResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, SuccessResponse* r) {
            return stub->RevokeTeamPermission(c, request, r);
          },
          response);
    }
    if (sub == "check") {
      if (Arg(3).empty()) return Usage("permissions check needs USER ID");
      CheckPermissionRequest request;
      request.set_user_id(Arg(2));
      request.set_permission_id(Arg(3));
      if (line_.Has("team")) request.set_team_id(line_.Get("team"));
      CheckPermissionResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, CheckPermissionResponse* r) {
            return stub->CheckPermission(c, request, r);
          },
          response);
    }
    return Usage("permissions takes list, define, grant, revoke or check");
  }

  int Sessions(const std::string& sub) {
    auto stub = identity::v1::AuthService::NewStub(connection_.channel());
    using namespace identity::v1;  // NOLINT: message names read better bare
    if (sub == "list") {
      if (Arg(2).empty()) return Usage("sessions list needs a USER");
      ListSessionsRequest request;
      request.set_user_id(Arg(2));
      ListSessionsResponse response;
      return Do(Access::kServer,
                [&](grpc::ClientContext* c, ListSessionsResponse* r) {
                  return stub->ListSessions(c, request, r);
                },
                response,
                {"id", "created_at", "last_used_at", "is_impersonation"});
    }
    if (sub == "revoke") {
      if (Arg(3).empty()) return Usage("sessions revoke needs USER SESSION");
      RevokeSessionRequest request;
      request.set_user_id(Arg(2));
      request.set_session_id(Arg(3));
      SuccessResponse response;
      return Do(
          Access::kServer,
          [&](grpc::ClientContext* c, SuccessResponse* r) {
            return stub->RevokeSession(c, request, r);
          },
          response);
    }
    return Usage("sessions takes list or revoke");
  }

  const CommandLine& line_;
  Connection connection_;
  OutputOptions output_;
};

int Main(int argc, char** argv) {
  CommandLine line;
  std::string error;
  if (!Parse(argc, argv, line, error)) return Usage(error);
  if (line.words.empty() || line.words[0] == "help" || line.Has("help")) {
    const std::string topic = line.words.size() > 1 ? line.words[1] : "";
    auto it = Help().find(topic);
    if (it == Help().end()) {
      PrintUsage(std::cout);
    } else {
      std::cout << "latchkeyctl " << it->second.usage << "\n  "
                << it->second.about << "\nExample:\n  " << it->second.example
                << "\n";
    }
    return line.words.empty() && !line.Has("help") ? kExitUsage : kExitOk;
  }
  ConnectionOptions options;
  options.address = line.Get("address");
  options.project = line.Get("project");
  options.admin_key = line.Get("admin_key");
  options.server_key = line.Get("server_key");
  options.access_token = line.Get("access_token");
  options.data_dir = line.Get("data_dir");
  options.tls = line.Has("tls") || line.Has("tls_ca_file");
  options.tls_ca_file = line.Get("tls_ca_file");
  if (line.Has("timeout") &&
      !absl::SimpleAtoi(line.Get("timeout"), &options.timeout_seconds)) {
    return Usage("--timeout takes seconds");
  }
  if (absl::Status status = ResolveOptions(options); !status.ok()) {
    std::cerr << "latchkeyctl: " << status.message() << std::endl;
    return kExitCredentials;
  }
  Cli cli(line, Connection(options));
  return cli.Run();
}

}  // namespace
}  // namespace latchkey::ctl

int main(int argc, char** argv) { return latchkey::ctl::Main(argc, argv); }
