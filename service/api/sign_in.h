#ifndef SERVICE_API_SIGN_IN_H_
#define SERVICE_API_SIGN_IN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/api/app_context.h"
#include "service/core/project_directory.h"
#include "service/core/start_session.h"
#include "storage/records.h"

namespace latchkey::service::api {

// The handlers' door to core/start_session.h with the AppContext's session
// manager and token issuer.
using SignedIn = core::SignedIn;

// core::StartSession (inside the caller's transaction `repos`).
absl::StatusOr<SignedIn> StartSession(
    AppContext& context, storage::Repositories& repos,
    const core::ProjectSnapshot& project, const storage::UserView& user,
    bool is_impersonation = false,
    std::optional<absl::Duration> session_lifetime = std::nullopt);

// core::IssueAccessToken.
absl::StatusOr<std::string> IssueAccessToken(
    AppContext& context, const core::ProjectSnapshot& project,
    const storage::UserView& user, const storage::SessionRecord& session);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_SIGN_IN_H_
