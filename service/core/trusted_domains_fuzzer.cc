// libFuzzer target: trusted-domain patterns and redirect-URL matching
// (service/core/trusted_domains.h), the check that decides who may receive
// a user's codes and tokens. Input: lines; the last is the URL, the ones
// before it are domain patterns. Properties: nothing crashes; allowing
// localhost never makes a URL untrusted; a URL that any pattern alone
// trusts is trusted by all of them together, and one trusted by the set is
// trusted by one of its patterns alone (matching is per pattern).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "service/core/trusted_domains.h"

using latchkey::service::core::DomainPattern;
using latchkey::service::core::IsTrustedRedirectUrl;
using latchkey::service::core::ParseDomainPattern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::vector<absl::string_view> lines = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  const absl::string_view url = lines.back();
  lines.pop_back();
  std::vector<DomainPattern> patterns;
  for (absl::string_view line : lines) {
    absl::StatusOr<DomainPattern> pattern = ParseDomainPattern(line);
    if (pattern.ok()) {
      patterns.push_back(*std::move(pattern));
    } else if (pattern.status().code() != absl::StatusCode::kInvalidArgument) {
      std::abort();
    }
  }
  const bool strict = IsTrustedRedirectUrl(url, patterns, false);
  const bool with_localhost = IsTrustedRedirectUrl(url, patterns, true);
  if (strict && !with_localhost) std::abort();
  bool any_alone = false;
  for (const DomainPattern& pattern : patterns) {
    any_alone = any_alone || IsTrustedRedirectUrl(url, {pattern}, false);
  }
  if (any_alone != strict) std::abort();
  return 0;
}
