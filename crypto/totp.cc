#include "crypto/totp.h"

#include <utility>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"

namespace latchkey::crypto {
namespace {

constexpr size_t kMinSecretBytes = 10;
constexpr size_t kMaxSecretBytes = 64;

}  // namespace

absl::StatusOr<Totp> Totp::Create(std::string secret,
                                  const common::Clock& clock,
                                  TotpOptions options) {
  if (secret.size() < kMinSecretBytes || secret.size() > kMaxSecretBytes) {
    return absl::InvalidArgumentError("TOTP secret must be 10..64 bytes");
  }
  if (options.digits < 6 || options.digits > 8) {
    return absl::InvalidArgumentError("TOTP digits must be 6..8");
  }
  if (options.step < absl::Seconds(1) || options.step > absl::Minutes(10) ||
      options.step != absl::Seconds(absl::ToInt64Seconds(options.step))) {
    return absl::InvalidArgumentError(
        "TOTP step must be whole seconds, 1s..10min");
  }
  if (options.window < 0 || options.window > 2) {
    return absl::InvalidArgumentError("TOTP window must be 0..2");
  }
  return Totp(std::move(secret), clock, options);
}

absl::StatusOr<std::string> Totp::CodeForStep(int64_t step) const {
  // RFC 4226: HMAC of the 8-byte big-endian counter, dynamic truncation.
  std::string counter(8, '\0');
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<char>(step & 0xff);
    step >>= 8;
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string mac, HmacSha1(secret_, counter));
  const size_t offset = static_cast<uint8_t>(mac[19]) & 0x0f;
  const uint32_t binary = ((static_cast<uint8_t>(mac[offset]) & 0x7f) << 24) |
                          (static_cast<uint8_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint8_t>(mac[offset + 2]) << 8) |
                          static_cast<uint8_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < options_.digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(options_.digits - code.size(), '0') + code;
}

absl::StatusOr<std::string> Totp::CodeAt(absl::Time time) const {
  if (time < absl::UnixEpoch()) {
    return absl::InvalidArgumentError("TOTP time before the Unix epoch");
  }
  return CodeForStep(absl::ToUnixSeconds(time) /
                     absl::ToInt64Seconds(options_.step));
}

absl::StatusOr<TotpCheck> Totp::Verify(
    std::string_view code, std::optional<int64_t> last_used_step) const {
  TotpCheck check;
  if (code.size() != static_cast<size_t>(options_.digits)) return check;
  for (char c : code) {
    if (c < '0' || c > '9') return check;
  }
  const absl::Time now = clock_->Now();
  if (now < absl::UnixEpoch()) return check;
  const int64_t current =
      absl::ToUnixSeconds(now) / absl::ToInt64Seconds(options_.step);
  // Every candidate is computed and compared; the result is folded in
  // without branching on secret-dependent data until the end.
  for (int64_t step = current - options_.window;
       step <= current + options_.window; ++step) {
    if (step < 0) continue;
    LATCHKEY_ASSIGN_OR_RETURN(std::string expected, CodeForStep(step));
    const bool fresh = !last_used_step.has_value() || step > *last_used_step;
    const bool match = ConstantTimeEquals(expected, code) & fresh;
    // Later steps win, so the stored step only moves forward.
    check.step = match ? step : check.step;
    check.valid = check.valid | match;
  }
  if (!check.valid) check.step = 0;
  return check;
}

}  // namespace latchkey::crypto
