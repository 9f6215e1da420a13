#ifndef SERVICE_CORE_REFRESH_SESSION_H_
#define SERVICE_CORE_REFRESH_SESSION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/v1/project.pb.h"
#include "service/core/access_tokens.h"
#include "service/core/rate_limiter.h"
#include "service/core/sessions.h"
#include "storage/database.h"

namespace latchkey::service::core {

// What a refresh asks for. The views must outlive the call.
struct RefreshInput {
  absl::string_view project_id;
  // The project's configuration as of this request: token lifetimes,
  // rotation, its grace window and the per-session refresh limit.
  const identity::v1::ProjectConfig* config = nullptr;
  absl::string_view refresh_token;
  // Whether the caller's answer can carry a next refresh token. When false
  // the session is never rotated, even in a project that rotates: rotating
  // would strand the client with a spent token.
  bool can_rotate = false;
};

// What a refresh hands out.
struct RefreshOutput {
  std::string access_token;
  // The access token's exp claim.
  absl::Time expires_at;
  // Set when the session rotated (or a refresh within the grace window met
  // a rotation): the token to use next.
  std::optional<std::string> next_refresh_token;
};

// The refresh-token flows (OAuth's refresh_token grant, Stack's refresh
// route, revocation), free of any wire format. Thread-safe; every member
// must outlive it.
class RefreshSession {
 public:
  RefreshSession(storage::Database& database, const SessionManager& sessions,
                 const RateLimiter& rate_limiter,
                 const AccessTokenIssuer& token_issuer)
      : database_(database),
        sessions_(sessions),
        rate_limiter_(rate_limiter),
        token_issuer_(token_issuer) {}

  // Resolves the refresh token within the project (rotating it when the
  // project rotates and `can_rotate`; see SessionManager::Refresh for the
  // grace window and reuse detection) and issues an access token from the
  // user's current row, so renames, restrictions and team changes show at
  // the next refresh. Each rotation family has one refresh budget
  // (rate_limits.refresh_per_session), however many tokens it goes through;
  // it is charged only for live tokens. REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED
  // when the token is empty, unknown, expired, revoked, reused, of another
  // project, or its user is gone; RATE_LIMITED over the budget; the
  // database's or signing error otherwise.
  absl::StatusOr<RefreshOutput> Run(const RefreshInput& input) const;

  // Revokes the whole rotation family of `refresh_token` (the session as
  // the user knows it). An unknown token, or one of another project, is no
  // error and changes nothing (RFC 7009 2.2). The database's error
  // otherwise.
  absl::Status Revoke(absl::string_view project_id,
                      absl::string_view refresh_token) const;

 private:
  storage::Database& database_;
  const SessionManager& sessions_;
  const RateLimiter& rate_limiter_;
  const AccessTokenIssuer& token_issuer_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_REFRESH_SESSION_H_
