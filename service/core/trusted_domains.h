#ifndef SERVICE_CORE_TRUSTED_DOMAINS_H_
#define SERVICE_CORE_TRUSTED_DOMAINS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace latchkey::service::core {

// A trusted domain as a project configures it: scheme, host pattern and
// port, e.g. "https://app.example.com", "https://*.example.com",
// "http://**.internal:8080". In the host, "*" stands for exactly one DNS
// label and "**" for one or more; other labels match literally (ASCII,
// case-insensitively). A path, query, fragment or user info is refused.
struct DomainPattern {
  std::string scheme;  // "http" or "https"
  std::vector<std::string> host_labels;
  int port = 0;  // the explicit port, or the scheme's default
};

// Parses a configured domain. INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<DomainPattern> ParseDomainPattern(absl::string_view text);

// Decides whether a callback / redirect URL may receive a user's codes and
// tokens: the URL (parsed with libcurl's URL parser) must be absolute
// http(s) without user info, and its scheme, host and port must match one
// of the patterns, or, with `allow_localhost`, its host must be localhost,
// *.localhost, 127.0.0.1 or [::1]. Matching is on the parsed host, never on
// substrings: "https://good.com@evil.com" and "https://good.com.evil.com"
// do not match "https://good.com". Hosts are compared as a browser would
// resolve them: percent-decoded, lower-cased, without a trailing dot.
// Thread-safe.
bool IsTrustedRedirectUrl(absl::string_view url,
                          const std::vector<DomainPattern>& patterns,
                          bool allow_localhost);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_TRUSTED_DOMAINS_H_
