#ifndef SERVICE_API_SETUP_SERVICE_H_
#define SERVICE_API_SETUP_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// The deployment's bootstrap and break-glass RPCs of AuthService, both
// public (no project, no keys):
//
// SetupFirstAdmin (POST /api/v1/setup): while the internal project has no
// human (non-anonymous) user, creates one from {display_name, email,
// password}, makes them a member of the internal project's owner team
// (creating that team when the internal project has none) and signs them
// in. The check and the writes are one serializable transaction, so of any
// number of racing calls exactly one succeeds and the others answer
// SETUP_ALREADY_COMPLETED (409) having written nothing.
//
// RecoverAdminPassword (POST /api/v1/setup/recover-admin-password): with
// LATCHKEY_ADMIN_RECOVERY_KEY configured, sets a new password for the
// internal-project user signing in with that email and ends all of their
// sessions. RECOVERY_NOT_ENABLED (404) without the key configured;
// RATE_LIMITED (429) beyond 5 attempts per client IP or 50 in all per 15
// minutes (every attempt counts, right or wrong); INVALID_RECOVERY_KEY
// (401), compared in constant time; USER_NOT_FOUND; the password policy's
// errors.
//
// The registered handlers are thread-safe; `context` must outlive them.
absl::Status RegisterSetupService(MethodRegistry& registry,
                                  AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_SETUP_SERVICE_H_
