#include "tools/latchkeyctl/commands_setup.h"

#include <cstdlib>

#include "identity/v1/auth.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

int Setup(const Invocation& in) {
  const CommandLine& line = in.line();
  if (!line.Has("email") || !line.Has("password")) {
    return Usage("setup needs --email and --password");
  }
  auto stub = AuthService::NewStub(in.connection().channel());
  SetupFirstAdminRequest request;
  request.set_email(line.Get("email"));
  request.set_password(line.Get("password"));
  request.set_display_name(line.Get("display_name", "Administrator"));
  SignInResponse response;
  return in.Do(
      Access::kNone,
      [&](grpc::ClientContext* c, SignInResponse* r) {
        return stub->SetupFirstAdmin(c, request, r);
      },
      response);
}

int Recover(const Invocation& in) {
  const CommandLine& line = in.line();
  const char* key = std::getenv("LATCHKEY_ADMIN_RECOVERY_KEY");
  if (!line.Has("email") || !line.Has("new_password") || key == nullptr) {
    return Usage(
        "recover needs --email, --new_password and "
        "LATCHKEY_ADMIN_RECOVERY_KEY in the environment");
  }
  auto stub = AuthService::NewStub(in.connection().channel());
  RecoverAdminPasswordRequest request;
  request.set_email(line.Get("email"));
  request.set_new_password(line.Get("new_password"));
  request.set_recovery_key(key);
  SuccessResponse response;
  return in.Do(
      Access::kNone,
      [&](grpc::ClientContext* c, SuccessResponse* r) {
        return stub->RecoverAdminPassword(c, request, r);
      },
      response);
}

int Run(const Invocation& in) {
  return in.Arg(0) == "setup" ? Setup(in) : Recover(in);
}

}  // namespace

const CommandGroup& SetupCommands() {
  static const auto* group = new CommandGroup{
      {"setup", "recover"},
      &Run,
      {
          {"setup", "setup --email E --password P [--display_name N]",
           "creates the first administrator (internal project); prints their "
           "user id, and their tokens with --show-secrets",
           "latchkeyctl setup --email admin@example.com --password 'long "
           "passphrase' --show-secrets --field access_token"},
          {"recover", "recover --email E --new_password P",
           "sets an internal-project user's password with the recovery key "
           "from env LATCHKEY_ADMIN_RECOVERY_KEY (latchkeyd must have the "
           "same one) and ends their sessions",
           "LATCHKEY_ADMIN_RECOVERY_KEY=... latchkeyctl recover --email "
           "admin@example.com --new_password 'new passphrase'"},
      },
      {"setup", "recover"}};
  return *group;
}

}  // namespace latchkey::ctl
