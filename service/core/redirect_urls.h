#ifndef SERVICE_CORE_REDIRECT_URLS_H_
#define SERVICE_CORE_REDIRECT_URLS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/core/project_directory.h"

namespace latchkey::service::core {

// REDIRECT_URL_NOT_WHITELISTED unless `url` is on the project's trusted
// domains (or localhost, where the project allows it).
absl::Status CheckRedirectUrl(const ProjectSnapshot& project,
                              absl::string_view url);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_REDIRECT_URLS_H_
