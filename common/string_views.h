#ifndef COMMON_STRING_VIEWS_H_
#define COMMON_STRING_VIEWS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace latchkey::common {

// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view and std::string_view are distinct types with no
// conversion between them. These are the one bridge each way.
inline std::string_view Std(absl::string_view s) {
  return {s.data(), s.size()};
}
inline absl::string_view Absl(std::string_view s) {
  return {s.data(), s.size()};
}

}  // namespace latchkey::common

#endif  // COMMON_STRING_VIEWS_H_
