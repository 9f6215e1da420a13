#include "tools/latchkeyctl/commands_tokens.h"

#include <chrono>
#include <iostream>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "identity/v1/token.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

int Health(const Invocation& in) {
  int wait = 0;
  if (in.line().Has("wait") &&
      !absl::SimpleAtoi(in.line().Get("wait"), &wait)) {
    return Usage("--wait takes seconds");
  }
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(wait);
  auto stub = TokenService::NewStub(in.connection().channel());
  for (;;) {
    // A JWKS read goes through the whole pipeline and the key ring but
    // needs no credentials.
    GetJwksRequest request;
    request.set_project_id("internal");
    Jwks jwks;
    std::unique_ptr<grpc::ClientContext> context =
        in.connection().Context(Access::kNone);
    if (wait > 0) context->set_wait_for_ready(true);
    if (wait > 0) context->set_deadline(deadline);
    grpc::Status status = stub->GetJwks(context.get(), request, &jwks);
    if (status.ok()) {
      if (in.output().json) {
        std::cout << "{\"status\":\"SERVING\",\"address\":\""
                  << in.connection().options().address << "\"}\n";
      } else {
        std::cout << "SERVING at " << in.connection().options().address << "\n";
      }
      return kExitOk;
    }
    if (std::chrono::system_clock::now() >= deadline) return in.Fail(status);
  }
}

int GetJwks(const Invocation& in) {
  auto stub = TokenService::NewStub(in.connection().channel());
  GetJwksRequest request;
  request.set_project_id(in.connection().options().project);
  Jwks response;
  return in.Do(
      Access::kNone,
      [&](grpc::ClientContext* c, Jwks* r) {
        return stub->GetJwks(c, request, r);
      },
      response);
}

int ValidateToken(const Invocation& in) {
  if (in.Arg(1) != "validate") {
    return Usage(
        absl::StrCat("unknown command \"", in.Arg(0), " ", in.Arg(1), "\""));
  }
  if (in.Arg(2).empty()) return Usage("tokens validate needs a TOKEN");
  auto stub = TokenService::NewStub(in.connection().channel());
  ValidateAccessTokenRequest request;
  request.set_access_token(in.Arg(2));
  request.set_allow_anonymous(in.line().Has("allow_anonymous"));
  request.set_allow_restricted(in.line().Has("allow_restricted"));
  ValidateAccessTokenResponse response;
  std::unique_ptr<grpc::ClientContext> context =
      in.connection().Context(Access::kServer);
  grpc::Status status =
      stub->ValidateAccessToken(context.get(), request, &response);
  if (status.ok()) return in.Print(response);
  // These codes are about the token being checked, not the caller's
  // credentials (kServer sends no access token of its own): the answer
  // the command exists for, so exit 1 rather than 4.
  const std::string code = ErrorCodeOf(status);
  static const auto* token_codes = new std::set<std::string>{
      "UNPARSABLE_ACCESS_TOKEN", "ACCESS_TOKEN_EXPIRED",
      "INVALID_PROJECT_FOR_ACCESS_TOKEN",
      "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED", "RESTRICTED_USER_NOT_ALLOWED"};
  if (token_codes->count(code) == 0) return in.Fail(status);
  std::cerr << "latchkeyctl: " << code << ": " << status.error_message()
            << " (the token given to validate is not valid for --project "
            << in.connection().options().project;
  if (code == "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED" ||
      code == "RESTRICTED_USER_NOT_ALLOWED") {
    std::cerr << "; --allow_anonymous / --allow_restricted accept it";
  }
  std::cerr << ")" << std::endl;
  return kExitRefused;
}

int Run(const Invocation& in) {
  if (in.Arg(0) == "health") return Health(in);
  if (in.Arg(0) == "jwks") return GetJwks(in);
  return ValidateToken(in);
}

}  // namespace

const CommandGroup& TokenCommands() {
  static const auto* group = new CommandGroup{
      {"health", "jwks", "tokens"},
      &Run,
      {
          {"health", "health [--wait SECONDS]",
           "whether latchkeyd answers (a credential-free JWKS read; --wait "
           "retries until it does)",
           "latchkeyctl health --wait 30"},
          {"jwks", "jwks",
           "the project's public signing keys (no credentials needed)",
           "latchkeyctl --project internal jwks --json"},
          {"tokens",
           "tokens validate TOKEN [--allow_anonymous] [--allow_restricted]",
           "checks an access token of --project (server or admin access): the "
           "verified claims, or the reason it is refused (exit 1)",
           "latchkeyctl --data_dir .data tokens validate \"$ACCESS_TOKEN\""},
      },
      {"health", "jwks"}};
  return *group;
}

}  // namespace latchkey::ctl
