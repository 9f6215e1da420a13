#include "tools/latchkeyctl/invocation.h"

#include <iostream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace latchkey::ctl {
namespace {

bool IsBooleanOption(const std::string& name) {
  return name == "json" || name == "show-secrets" || name == "tls" ||
         name == "help" || name == "allow_anonymous" ||
         name == "allow_restricted";
}

// Options every command takes (connection and output).
bool IsCommonOption(const std::string& name) {
  static const auto* names = new std::set<std::string>{
      "address",  "project", "admin_key",   "server_key", "access_token",
      "data_dir", "tls",     "tls_ca_file", "timeout",    "json",
      "field",    "help",    "show-secrets"};
  return names->count(name) > 0;
}

}  // namespace

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

Invocation::Invocation(const CommandLine& line, Connection connection)
    : line_(line), connection_(std::move(connection)) {
  output_.json = line.Has("json");
  output_.show_secrets = line.Has("show-secrets");
  output_.field = line.Get("field");
}

std::string Invocation::Arg(size_t index) const {
  return index < line_.words.size() ? line_.words[index] : "";
}

int Invocation::CheckOptions(std::initializer_list<const char*> allowed) const {
  for (const auto& [name, value] : line_.options) {
    if (IsCommonOption(name)) continue;
    bool known = false;
    for (const char* option : allowed) known = known || name == option;
    if (!known) {
      return Usage(absl::StrCat(Arg(0), " ", Arg(1), " takes no --", name));
    }
  }
  return kExitOk;
}

int Invocation::Fail(const grpc::Status& status) const {
  CallError error = DescribeError(status, connection_.options());
  std::cerr << "latchkeyctl: " << error.line << std::endl;
  return error.exit_code;
}

int Invocation::Print(const google::protobuf::Message& message,
                      const std::vector<std::string>& columns) const {
  if (!PrintMessage(message, output_, columns)) {
    return Usage(
        absl::StrCat("the answer has no field \"", output_.field, "\""));
  }
  return kExitOk;
}

}  // namespace latchkey::ctl
