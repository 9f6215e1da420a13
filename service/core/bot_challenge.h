#ifndef SERVICE_CORE_BOT_CHALLENGE_H_
#define SERVICE_CORE_BOT_CHALLENGE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/v1/project.pb.h"
#include "service/runtime/http_client.h"

namespace latchkey::service::core {

// What a sign-up or send-sign-in-code body says about its bot challenge
// (Stack's bot_challenge_* fields, their shape already checked).
struct BotChallengeAnswer {
  std::optional<std::string> token;
  // "invisible" (the default with a token) or "visible".
  std::string phase = "invisible";
  // The client could not run a challenge at all.
  bool unavailable = false;
  std::string client_ip;
};

// Checks bot challenges against a project's Turnstile-style verifier
// (config.bot_challenge): POST <verify_url> with the form secret, response
// (the token) and remoteip, answered by JSON {"success": bool, ...}. With no
// verify_url nothing is checked. Otherwise:
// - a token that passes: OK;
// - no token (and not `unavailable`), or an invisible token that fails:
//   BOT_CHALLENGE_REQUIRED, so the client shows a visible challenge;
// - a visible token that fails, or a verifier that cannot be reached or
//   answers anything but such JSON: BOT_CHALLENGE_FAILED {message};
// - `unavailable`: OK, as in Stack (clients whose challenge script cannot
//   load must still be able to sign up).
// The outbound call is bounded by `http` (its timeouts and response size).
// Thread-safe.
class BotChallengeVerifier {
 public:
  explicit BotChallengeVerifier(const HttpClient& http) : http_(http) {}

  absl::Status Check(const identity::v1::BotChallengeConfig& config,
                     const BotChallengeAnswer& answer) const;

 private:
  const HttpClient& http_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_BOT_CHALLENGE_H_
