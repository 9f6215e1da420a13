#ifndef TOOLS_LATCHKEYCTL_CONNECTION_H_
#define TOOLS_LATCHKEYCTL_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace latchkey::ctl {

// Where and as whom latchkeyctl calls: flags, else environment, else the
// dev server's defaults.
struct ConnectionOptions {
  std::string address;       // --address, LATCHKEY_ADDRESS, 127.0.0.1:50051
  std::string project;       // --project, LATCHKEY_PROJECT, internal
  std::string admin_key;     // --admin_key, LATCHKEY_ADMIN_KEY
  std::string server_key;    // --server_key, LATCHKEY_SERVER_KEY
  std::string access_token;  // --access_token, LATCHKEY_ACCESS_TOKEN
  std::string data_dir;      // --data_dir: reads <dir>/dev-secrets.env
  bool tls = false;          // --tls: TLS to a proxy in front of latchkeyd
  std::string tls_ca_file;   // --tls_ca_file: PEM roots instead of system's
  int timeout_seconds = 10;  // --timeout
};

// Fills unset options from the environment and the dev data dir. Fails
// when the data dir's secrets file cannot be read.
absl::Status ResolveOptions(ConnectionOptions& options);

enum class Access { kNone, kAdmin, kServer, kClient };

class Connection {
 public:
  explicit Connection(ConnectionOptions options);
  const ConnectionOptions& options() const { return options_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // A context with the project, access type and credential headers.
  // kAdmin uses the admin key, else an access token as an admin access
  // token; kServer the server key (or admin key); kClient the access token.
  std::unique_ptr<grpc::ClientContext> Context(Access access) const;

 private:
  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// A failed call as latchkeyctl reports it: one line and an exit code.
struct CallError {
  int exit_code;
  std::string line;
};

// Exit codes (documented in `latchkeyctl help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // the server answered an error
inline constexpr int kExitUsage = 2;        // bad command line or input file
inline constexpr int kExitUnreachable = 3;  // no server at --address
inline constexpr int kExitCredentials = 4;  // credentials missing or refused

// The error code (errors.proto) in a status's ErrorInfo, or "UNKNOWN".
std::string ErrorCodeOf(const grpc::Status& status);

// Maps a gRPC status to the error code from its ErrorInfo and advice.
CallError DescribeError(const grpc::Status& status,
                        const ConnectionOptions& options);

}  // namespace latchkey::ctl

#endif  // TOOLS_LATCHKEYCTL_CONNECTION_H_
