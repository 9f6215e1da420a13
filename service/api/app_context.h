#ifndef SERVICE_API_APP_CONTEXT_H_
#define SERVICE_API_APP_CONTEXT_H_

#include "common/clock.h"
#include "crypto/signing_keys.h"
#include "service/config/server_config.h"
#include "service/core/access_tokens.h"
#include "service/core/passwords.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/sessions.h"
#include "service/core/user_snapshot_cache.h"
#include "service/core/verification_codes.h"
#include "service/mail/mail_queue.h"
#include "storage/database.h"

namespace latchkey::service::api {

// Everything a service implementation may use, built once by the
// Application and outliving every call. Each member is thread-safe.
struct AppContext {
  const ServerConfig& config;
  const common::Clock& clock;
  storage::Database& database;
  const crypto::KeyRing& keys;
  core::ProjectDirectory& projects;
  const core::AccessTokenIssuer& token_issuer;
  const core::AccessTokenVerifier& token_verifier;
  const core::SessionManager& sessions;
  const core::VerificationCodes& codes;
  // One argon2 hasher per parameter set, shared by every flow.
  core::Passwords& passwords;
  const core::RateLimiter& rate_limiter;
  // Never blocks: mail goes out in the background.
  mail::MailQueue& mail;
  // The one cache of permission definitions and grants: the team and
  // permission methods invalidate it on every change, and every checker
  // (CheckPermission, Envoy's ext_authz) reads through it, so a change is
  // seen at once by all of them in this process.
  core::PermissionCatalog& permissions;
  // Users read for GET /users/me, valid until this process writes anything
  // or --user_cache_ms passes (core::UserSnapshotCache).
  core::UserSnapshotCache& user_snapshots;
};

}  // namespace latchkey::service::api

#endif  // SERVICE_API_APP_CONTEXT_H_
