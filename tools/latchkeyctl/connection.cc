#include "tools/latchkeyctl/connection.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace latchkey::ctl {
namespace {

void FromEnv(std::string& value, const char* name, const char* fallback) {
  if (!value.empty()) return;
  const char* env = std::getenv(name);
  value = env != nullptr && *env != '\0' ? env : fallback;
}

absl::StatusOr<std::map<std::string, std::string>> ReadEnvFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path,
                     "; is --data_dir the directory latchkeyd --dev uses?"));
  }
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    size_t eq = text.find('=');
    if (eq == absl::string_view::npos) continue;
    values[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  return values;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::Status ResolveOptions(ConnectionOptions& options) {
  FromEnv(options.address, "LATCHKEY_ADDRESS", "127.0.0.1:50051");
  FromEnv(options.project, "LATCHKEY_PROJECT", "internal");
  FromEnv(options.admin_key, "LATCHKEY_ADMIN_KEY", "");
  FromEnv(options.server_key, "LATCHKEY_SERVER_KEY", "");
  FromEnv(options.access_token, "LATCHKEY_ACCESS_TOKEN", "");
  FromEnv(options.data_dir, "LATCHKEY_DATA_DIR", "");
  // The dev secrets are the internal project's keys: only used for it.
  if (!options.data_dir.empty() && options.project == "internal") {
    absl::StatusOr<std::map<std::string, std::string>> values =
        ReadEnvFile(options.data_dir + "/dev-secrets.env");
    if (!values.ok()) return values.status();
    if (options.admin_key.empty()) {
      options.admin_key = (*values)["LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY"];
    }
    if (options.server_key.empty()) {
      options.server_key = (*values)["LATCHKEY_INTERNAL_SECRET_SERVER_KEY"];
    }
  }
  return absl::OkStatus();
}

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options_.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options_.tls_ca_file.empty()) {
      ssl.pem_root_certs = ReadFile(options_.tls_ca_file);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  channel_ = grpc::CreateChannel(options_.address, credentials);
}

std::unique_ptr<grpc::ClientContext> Connection::Context(Access access) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(options_.timeout_seconds));
  if (access == Access::kNone) return context;
  context->AddMetadata("x-stack-project-id", options_.project);
  switch (access) {
    case Access::kAdmin:
      context->AddMetadata("x-stack-access-type", "admin");
      if (!options_.admin_key.empty()) {
        context->AddMetadata("x-stack-super-secret-admin-key",
                             options_.admin_key);
      } else if (!options_.access_token.empty()) {
        context->AddMetadata("x-stack-admin-access-token",
                             options_.access_token);
      }
      break;
    case Access::kServer:
      if (!options_.server_key.empty()) {
        context->AddMetadata("x-stack-access-type", "server");
        context->AddMetadata("x-stack-secret-server-key", options_.server_key);
      } else {
        context->AddMetadata("x-stack-access-type", "admin");
        if (!options_.admin_key.empty()) {
          context->AddMetadata("x-stack-super-secret-admin-key",
                               options_.admin_key);
        } else if (!options_.access_token.empty()) {
          context->AddMetadata("x-stack-admin-access-token",
                               options_.access_token);
        }
      }
      break;
    case Access::kClient:
      context->AddMetadata("x-stack-access-type", "client");
      if (!options_.access_token.empty()) {
        context->AddMetadata("x-stack-access-token", options_.access_token);
      }
      break;
    case Access::kNone:
      break;
  }
  return context;
}

std::string ErrorCodeOf(const grpc::Status& status) {
  std::string code = "UNKNOWN";
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) code = info.reason();
    }
  }
  return code;
}

CallError DescribeError(const grpc::Status& status,
                        const ConnectionOptions& options) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return {
        kExitUnreachable,
        absl::StrCat("UNAVAILABLE: no latchkeyd answered at ", options.address,
                     "; start it (./tools/dev run) or set --address / "
                     "LATCHKEY_ADDRESS")};
  }
  const std::string code = ErrorCodeOf(status);
  std::string advice;
  int exit_code = kExitRefused;
  if (absl::StrContains(code, "ADMIN_KEY") ||
      absl::StrContains(code, "ADMIN_ACCESS_TOKEN")) {
    advice =
        "the admin credential was refused; check LATCHKEY_ADMIN_KEY "
        "(--admin_key) or --data_dir, and --project";
    exit_code = kExitCredentials;
  } else if (absl::StrContains(code, "SERVER_KEY")) {
    advice =
        "the server key was refused; check LATCHKEY_SERVER_KEY "
        "(--server_key) and --project";
    exit_code = kExitCredentials;
  } else if (code == "INVALID_RECOVERY_KEY") {
    advice =
        "LATCHKEY_ADMIN_RECOVERY_KEY must be the key latchkeyd was started "
        "with";
    exit_code = kExitCredentials;
  } else if (code == "RECOVERY_NOT_ENABLED") {
    // The server's setting, not the caller's credentials: exit 1.
    advice =
        "restart latchkeyd with LATCHKEY_ADMIN_RECOVERY_KEY set (32 "
        "characters or more) to allow recovery";
  } else if (absl::StrContains(code, "ACCESS_TOKEN") ||
             absl::StrContains(code, "ACCESS_TYPE") ||
             absl::StrContains(code, "PROJECT_AUTHENTICATION") ||
             status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
             status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    advice =
        "give credentials for this project: --admin_key, --server_key, "
        "--access_token or --data_dir";
    exit_code = kExitCredentials;
  }
  std::string line = absl::StrCat(code, ": ", status.error_message());
  if (!advice.empty()) absl::StrAppend(&line, " (", advice, ")");
  return {exit_code, line};
}

}  // namespace latchkey::ctl
