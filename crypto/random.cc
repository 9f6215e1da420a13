#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"

namespace latchkey::crypto {

absl::StatusOr<std::string> RandomBytes(size_t n) {
  constexpr size_t kMaxBytes = 1 << 20;
  if (n > kMaxBytes) {
    return absl::InvalidArgumentError("RandomBytes: request over 1 MiB");
  }
  std::string out(n, '\0');
  if (n == 0) return out;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return out;
}

absl::StatusOr<std::string> RandomToken() {
  // 29 bytes = 232 bits, enough for 45 characters of 5 bits each; the
  // encoder's last (47th) character and the 46th are dropped so every kept
  // character is fully random.
  LATCHKEY_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(29));
  std::string token = CrockfordBase32Encode(bytes);
  token.resize(kRandomTokenLength);
  return token;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = (i == 8 || i == 13 || i == 18 || i == 23)
                        ? c == '-'
                        : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                              (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> RandomUuidV4() {
  LATCHKEY_ASSIGN_OR_RETURN(std::string b, RandomBytes(16));
  b[6] = static_cast<char>((static_cast<uint8_t>(b[6]) & 0x0f) | 0x40);
  b[8] = static_cast<char>((static_cast<uint8_t>(b[8]) & 0x3f) | 0x80);
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace latchkey::crypto
