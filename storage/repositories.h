#ifndef STORAGE_REPOSITORIES_H_
#define STORAGE_REPOSITORIES_H_

#include "storage/api_key_repository.h"
#include "storage/app_api_key_repository.h"
#include "storage/audit_log_repository.h"
#include "storage/contact_channel_repository.h"
#include "storage/credential_repository.h"
#include "storage/oauth_account_repository.h"
#include "storage/oauth_provider_repository.h"
#include "storage/passkey_repository.h"
#include "storage/permission_repository.h"
#include "storage/project_repository.h"
#include "storage/rate_limit_repository.h"
#include "storage/session_repository.h"
#include "storage/sql.h"
#include "storage/team_invitation_repository.h"
#include "storage/team_repository.h"
#include "storage/user_repository.h"
#include "storage/verification_code_repository.h"

namespace latchkey::storage {

// Every repository, bound to the one connection of a Database::Run or
// RunInTransaction callback: calls made through one Repositories share
// that callback's transaction. Not thread-safe; do not keep it beyond the
// callback. Cheap to construct (each repository is one reference).
class Repositories {
 public:
  explicit Repositories(SqlExecutor& executor)
      : projects_(executor),
        api_keys_(executor),
        app_api_keys_(executor),
        oauth_providers_(executor),
        users_(executor),
        contact_channels_(executor),
        credentials_(executor),
        oauth_accounts_(executor),
        passkeys_(executor),
        sessions_(executor),
        verification_codes_(executor),
        teams_(executor),
        team_invitations_(executor),
        permissions_(executor),
        audit_log_(executor),
        rate_limits_(executor) {}
  Repositories(const Repositories&) = delete;
  Repositories& operator=(const Repositories&) = delete;

  ProjectRepository& projects() { return projects_; }
  ApiKeyRepository& api_keys() { return api_keys_; }
  AppApiKeyRepository& app_api_keys() { return app_api_keys_; }
  OAuthProviderRepository& oauth_providers() { return oauth_providers_; }
  UserRepository& users() { return users_; }
  ContactChannelRepository& contact_channels() { return contact_channels_; }
  CredentialRepository& credentials() { return credentials_; }
  OAuthAccountRepository& oauth_accounts() { return oauth_accounts_; }
  PasskeyRepository& passkeys() { return passkeys_; }
  SessionRepository& sessions() { return sessions_; }
  VerificationCodeRepository& verification_codes() {
    return verification_codes_;
  }
  TeamRepository& teams() { return teams_; }
  TeamInvitationRepository& team_invitations() { return team_invitations_; }
  PermissionRepository& permissions() { return permissions_; }
  AuditLogRepository& audit_log() { return audit_log_; }
  RateLimitRepository& rate_limits() { return rate_limits_; }

 private:
  ProjectRepository projects_;
  ApiKeyRepository api_keys_;
  AppApiKeyRepository app_api_keys_;
  OAuthProviderRepository oauth_providers_;
  UserRepository users_;
  ContactChannelRepository contact_channels_;
  CredentialRepository credentials_;
  OAuthAccountRepository oauth_accounts_;
  PasskeyRepository passkeys_;
  SessionRepository sessions_;
  VerificationCodeRepository verification_codes_;
  TeamRepository teams_;
  TeamInvitationRepository team_invitations_;
  PermissionRepository permissions_;
  AuditLogRepository audit_log_;
  RateLimitRepository rate_limits_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_REPOSITORIES_H_
