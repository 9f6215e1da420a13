#include "service/runtime/request_id.h"

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace latchkey::service {

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

}  // namespace latchkey::service
