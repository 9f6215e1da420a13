#include "service/api/services.h"

#include "common/status_macros.h"
#include "service/api/account_sessions.h"
#include "service/api/auth_common.h"
#include "service/api/email_code_auth.h"
#include "service/api/password_auth.h"
#include "service/api/project_service.h"
#include "service/api/session_methods.h"
#include "service/api/setup_service.h"
#include "service/api/team_service.h"
#include "service/api/token_service.h"
#include "service/api/user_service.h"

namespace latchkey::service::api {

absl::Status RegisterServices(MethodRegistry& registry, AppContext& context) {
  LATCHKEY_RETURN_IF_ERROR(RegisterAccountSessionMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterTokenService(registry, context));
  SessionMethodsOptions session_options;
  session_options.admit_anonymous_sign_up =
      [&context](const CallContext& call,
                 const core::ProjectSnapshot& project) {
        return LimitByIp(
            context, call, "anonymous_sign_up",
            project.config.rate_limits().anonymous_sign_up_per_ip());
      };
  LATCHKEY_RETURN_IF_ERROR(
      RegisterSessionMethods(registry, context, std::move(session_options)));
  LATCHKEY_RETURN_IF_ERROR(RegisterPasswordMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterEmailCodeMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterProjectService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterUserService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterSetupService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterTeamPermissionService(registry, context));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
