#ifndef CRYPTO_TOTP_H_
#define CRYPTO_TOTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace latchkey::crypto {

// RFC 6238 time-based one-time passwords as authenticator apps and Stack use
// them: HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits, and one
// step of tolerance either side for clock drift.
struct TotpOptions {
  int digits = 6;  // 6 to 8.
  absl::Duration step = absl::Seconds(30);
  int window = 1;  // Steps accepted either side, 0..2.
};

// The outcome of Totp::Verify.
struct TotpCheck {
  bool valid = false;
  // The time step the code belongs to, when valid. Store it and pass it back
  // as `last_used_step` so the same code cannot be replayed.
  int64_t step = 0;
};

// One user's TOTP generator and checker. Immutable and thread-safe; the
// clock must outlive it. The secret lives only in this object (callers
// decode it from storage, e.g. with Base64Decode for totp_secret_base64).
class Totp {
 public:
  // INVALID_ARGUMENT if the secret is shorter than 10 bytes (80 bits, the
  // least any authenticator issues) or longer than 64, or the options are out
  // of range.
  static absl::StatusOr<Totp> Create(std::string secret,
                                     const common::Clock& clock,
                                     TotpOptions options = {});

  // The code for the step containing `time`. INVALID_ARGUMENT for times
  // before the epoch; INTERNAL if HMAC fails.
  absl::StatusOr<std::string> CodeAt(absl::Time time) const;

  // Checks `code` against the steps within the window around the clock's
  // now, comparing every candidate in constant time (no early exit). Steps
  // at or before `last_used_step` are refused, which stops replays. A code
  // of the wrong length or with non-digits is simply invalid. INTERNAL only
  // if HMAC fails.
  absl::StatusOr<TotpCheck> Verify(
      std::string_view code,
      std::optional<int64_t> last_used_step = std::nullopt) const;

 private:
  Totp(std::string secret, const common::Clock& clock, TotpOptions options)
      : secret_(std::move(secret)), clock_(&clock), options_(options) {}

  absl::StatusOr<std::string> CodeForStep(int64_t step) const;

  std::string secret_;
  const common::Clock* clock_;
  TotpOptions options_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_TOTP_H_
