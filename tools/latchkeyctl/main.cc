// latchkeyctl: Latchkey's command line for operators and scripts, a gRPC
// client of latchkeyd. `latchkeyctl help` lists commands and exit codes.
// Each command group lives in its own commands_*.cc; this file parses the
// line, resolves the connection and dispatches through the table below.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/latchkeyctl/commands_permissions.h"
#include "tools/latchkeyctl/commands_projects.h"
#include "tools/latchkeyctl/commands_setup.h"
#include "tools/latchkeyctl/commands_teams.h"
#include "tools/latchkeyctl/commands_tokens.h"
#include "tools/latchkeyctl/commands_users.h"
#include "tools/latchkeyctl/connection.h"
#include "tools/latchkeyctl/invocation.h"

namespace latchkey::ctl {
namespace {

const std::vector<const CommandGroup*>& Groups() {
  static const auto* groups = new std::vector<const CommandGroup*>{
      &TokenCommands(), &SetupCommands(), &ProjectCommands(),
      &UserCommands(),  &TeamCommands(),  &PermissionCommands(),
  };
  return *groups;
}

const CommandGroup* FindGroup(const std::string& command) {
  for (const CommandGroup* group : Groups()) {
    for (const std::string& name : group->names) {
      if (name == command) return group;
    }
  }
  return nullptr;
}

bool IsCredentialFree(const CommandGroup& group, const std::string& command) {
  for (const std::string& name : group.credential_free) {
    if (name == command) return true;
  }
  return false;
}

// Help topics by name (sorted, as `help` lists them).
const std::map<std::string, const CommandHelp*>& Help() {
  static const auto* help = [] {
    auto* topics = new std::map<std::string, const CommandHelp*>;
    for (const CommandGroup* group : Groups()) {
      for (const CommandHelp& entry : group->help) {
        (*topics)[entry.topic] = &entry;
      }
    }
    return topics;
  }();
  return *help;
}

void PrintUsage(std::ostream& out) {
  out << "Usage: latchkeyctl [options] COMMAND [args]\n\nCommands:\n";
  for (const auto& [name, help] : Help()) {
    out << "  " << help->usage << "\n      " << help->about << "\n";
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
      std::cout << "latchkeyctl " << it->second->usage << "\n  "
                << it->second->about << "\nExample:\n  " << it->second->example
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
  const std::string command = line.words[0];
  const CommandGroup* group = FindGroup(command);
  if (group == nullptr) {
    return Usage(absl::StrCat("unknown command \"", command, " ",
                              line.words.size() > 1 ? line.words[1] : "",
                              "\""));
  }
  if (absl::Status status = ResolveOptions(options);
      !status.ok() && !IsCredentialFree(*group, command)) {
    std::cerr << "latchkeyctl: " << status.message() << std::endl;
    return kExitCredentials;
  }
  return group->run(Invocation(line, Connection(options)));
}

}  // namespace
}  // namespace latchkey::ctl

int main(int argc, char** argv) { return latchkey::ctl::Main(argc, argv); }
