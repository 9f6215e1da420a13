#ifndef SERVICE_CORE_REFRESH_SUCCESSORS_H_
#define SERVICE_CORE_REFRESH_SUCCESSORS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace latchkey::service::core {

// The refresh token that replaces another at rotation, derived from it
// rather than drawn at random, so every concurrent refresher of one token
// computes the same successor and all of a user's tabs converge on it,
// while storage keeps only hashes (no plaintext successor at rest):
//
//   key       = HMAC-SHA256(server secret as written,
//                           "latchkey-refresh-rotation-v1")
//   successor = first 45 characters of
//               crockford32(HMAC-SHA256(key, "refresh-rotation" || token))
//
// The successor has the format of any refresh token (crypto::RandomToken:
// 45 lower-case Crockford base32 characters, 225 bits) and is unpredictable
// without the server secret. Immutable and thread-safe.
class RefreshTokenSuccessors {
 public:
  // With a previous secret (a server-secret rotation in progress), the
  // successors it derived are still recognised (Candidates). INTERNAL only
  // if HMAC fails.
  static absl::StatusOr<RefreshTokenSuccessors> Create(
      std::string_view server_secret,
      std::optional<std::string_view> previous_server_secret = std::nullopt);

  // The successor of `token` under the current secret: what a rotation
  // stores (as its hash) and hands out.
  absl::StatusOr<std::string> Successor(std::string_view token) const;

  // The successors `token` may have been given: under the current secret,
  // then under the previous one (rotated by a process that still had it).
  absl::StatusOr<std::vector<std::string>> Candidates(
      std::string_view token) const;

 private:
  RefreshTokenSuccessors() = default;
  static absl::StatusOr<std::string> Derive(std::string_view key,
                                            std::string_view token);

  std::string current_key_;
  std::optional<std::string> previous_key_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_REFRESH_SUCCESSORS_H_
