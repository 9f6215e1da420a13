#include "service/api/services.h"

#include "common/status_macros.h"
#include "service/api/account_sessions.h"
#include "service/api/app_api_key_methods.h"
#include "service/api/contact_channel_methods.h"
#include "service/api/email_code_auth.h"
#include "service/api/oauth_sign_in.h"
#include "service/api/passkey_auth.h"
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
  LATCHKEY_RETURN_IF_ERROR(RegisterSessionMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterPasswordMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterEmailCodeMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterOAuthSignInMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterPasskeyMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterProjectService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterUserService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterContactChannelMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterAppApiKeyMethods(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterSetupService(registry, context));
  LATCHKEY_RETURN_IF_ERROR(RegisterTeamPermissionService(registry, context));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
