#include "service/core/refresh_successors.h"

#include <utility>

#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/random.h"

namespace latchkey::service::core {
namespace {

// Separates this key from every other use of the server secret.
constexpr std::string_view kKeyPurpose = "latchkey-refresh-rotation-v1";
// Separates successor derivation from anything else the key might MAC.
constexpr std::string_view kMessagePrefix = "refresh-rotation";

absl::StatusOr<std::string> PurposeKey(std::string_view server_secret) {
  return crypto::HmacSha256(server_secret, kKeyPurpose);
}

}  // namespace

absl::StatusOr<RefreshTokenSuccessors> RefreshTokenSuccessors::Create(
    std::string_view server_secret,
    std::optional<std::string_view> previous_server_secret) {
  RefreshTokenSuccessors successors;
  LATCHKEY_ASSIGN_OR_RETURN(successors.current_key_, PurposeKey(server_secret));
  if (previous_server_secret.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(successors.previous_key_,
                              PurposeKey(*previous_server_secret));
  }
  return successors;
}

absl::StatusOr<std::string> RefreshTokenSuccessors::Derive(
    std::string_view key, std::string_view token) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string mac,
      crypto::HmacSha256(key, std::string(kMessagePrefix).append(token)));
  // 32 bytes encode to 52 characters; the first 45 carry 225 bits, as a
  // random token does.
  std::string successor = crypto::CrockfordBase32Encode(mac);
  successor.resize(crypto::kRandomTokenLength);
  return successor;
}

absl::StatusOr<std::string> RefreshTokenSuccessors::Successor(
    std::string_view token) const {
  return Derive(current_key_, token);
}

absl::StatusOr<std::vector<std::string>> RefreshTokenSuccessors::Candidates(
    std::string_view token) const {
  LATCHKEY_ASSIGN_OR_RETURN(std::string current, Successor(token));
  std::vector<std::string> candidates = {std::move(current)};
  if (previous_key_.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(std::string previous,
                              Derive(*previous_key_, token));
    candidates.push_back(std::move(previous));
  }
  return candidates;
}

}  // namespace latchkey::service::core
