#ifndef TOOLS_LATCHKEYCTL_INVOCATION_H_
#define TOOLS_LATCHKEYCTL_INVOCATION_H_

#include <initializer_list>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "tools/latchkeyctl/connection.h"
#include "tools/latchkeyctl/output.h"

namespace latchkey::ctl {

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

// Splits argv into options (--name value, --name=value, or a bare boolean
// flag) and words. False, with `error` set, when an option lacks its value.
bool Parse(int argc, char** argv, CommandLine& line, std::string& error);

// Prints a usage error line to stderr; returns kExitUsage.
int Usage(const std::string& message);

// One run of one command: the command line, the connection and how to
// print. Command groups read their arguments and make calls through it.
class Invocation {
 public:
  Invocation(const CommandLine& line, Connection connection);

  const CommandLine& line() const { return line_; }
  const Connection& connection() const { return connection_; }
  const OutputOptions& output() const { return output_; }

  // The index-th word (0 is the command, 1 its subcommand), or "".
  std::string Arg(size_t index) const;

  // Usage error unless every option given is a connection or output option
  // or one of `allowed`: for commands where a misspelt option silently
  // ignored would change what they do (updates). Returns kExitOk when fine.
  int CheckOptions(std::initializer_list<const char*> allowed) const;

  // Prints a failed call's one-line error; returns its exit code.
  int Fail(const grpc::Status& status) const;

  // Prints an answer as the output options say; returns the exit code.
  int Print(const google::protobuf::Message& message,
            const std::vector<std::string>& columns = {}) const;

  // Makes one call with `access`'s credentials and prints its answer.
  template <typename Call, typename Response>
  int Do(Access access, Call call, Response& response,
         const std::vector<std::string>& columns = {}) const {
    std::unique_ptr<grpc::ClientContext> context = connection_.Context(access);
    grpc::Status status = call(context.get(), &response);
    if (!status.ok()) return Fail(status);
    return Print(response, columns);
  }

 private:
  const CommandLine& line_;
  Connection connection_;
  OutputOptions output_;
};

// What `latchkeyctl help TOPIC` prints, and the command list of `help`.
struct CommandHelp {
  const char* topic;
  const char* usage;
  const char* about;
  const char* example;
};

// A command group: the first words it answers to, how it runs, and its help
// topics. main.cc holds the table of groups.
struct CommandGroup {
  std::vector<std::string> names;
  int (*run)(const Invocation& invocation);
  std::vector<CommandHelp> help;
  // Those of `names` that send no credentials: they run even when
  // --data_dir has no secrets file yet (a dev server still starting).
  std::vector<std::string> credential_free = {};
};

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_INVOCATION_H_
