#include "service/runtime/request_id.h"

#include <cstdint>

#include "absl/random/random.h"

namespace latchkey::service {

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  static constexpr char kHex[] = "0123456789abcdef";
  // 128 random bits as 32 lower-case hex digits, written by hand: one
  // is made per call, and StrFormat's parsing cost more than the bits.
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    const uint64_t value = absl::Uniform<uint64_t>(bits);
    for (int digit = 0; digit < 16; ++digit) {
      id[half * 16 + digit] = kHex[(value >> (60 - 4 * digit)) & 0xf];
    }
  }
  return id;
}

}  // namespace latchkey::service
