#include "service/core/redirect_urls.h"

#include <utility>
#include <vector>

#include "service/core/trusted_domains.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {

absl::Status CheckRedirectUrl(const ProjectSnapshot& project,
                              absl::string_view url) {
  std::vector<DomainPattern> patterns;
  for (const auto& domain : project.config.domains()) {
    // The configuration was validated when written; a pattern that no
    // longer parses is skipped rather than trusted.
    if (auto parsed = ParseDomainPattern(domain.domain()); parsed.ok()) {
      patterns.push_back(*std::move(parsed));
    }
  }
  if (!IsTrustedRedirectUrl(url, patterns, project.config.allow_localhost())) {
    return ApiError(identity::v1::REDIRECT_URL_NOT_WHITELISTED);
  }
  return absl::OkStatus();
}

}  // namespace latchkey::service::core
