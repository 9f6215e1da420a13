#ifndef SERVICE_CORE_ACCESS_TOKENS_H_
#define SERVICE_CORE_ACCESS_TOKENS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/jwt.h"
#include "crypto/signing_keys.h"
#include "identity/v1/token.pb.h"
#include "service/core/verified_token_cache.h"

namespace latchkey::service::core {

// What an access token says about its user, gathered at issue time from
// the user's row (never from an older token).
struct TokenSubject {
  std::string project_id;
  std::string branch_id = "main";
  std::string user_id;
  std::string session_id;  // the refresh_token_id claim
  std::optional<std::string> display_name;
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  std::optional<std::string> selected_team_id;
  absl::Time signed_up_at;
  bool is_anonymous = false;
  bool restricted_by_admin = false;
  // The project requires verified email and this user's is not verified.
  bool email_verification_pending = false;
  bool requires_totp_mfa = false;
};

// The restriction of a user, Stack's way: anonymous users are restricted
// ("anonymous"), then administrators' restrictions
// ("restricted_by_administrator"), then unverified email where the project
// requires verification ("email_not_verified"). Empty when unrestricted.
std::string RestrictedReasonOf(const TokenSubject& subject);

// The audience a user's tokens carry: "<project>", "<project>:restricted"
// or "<project>:anon".
std::string AudienceFor(const TokenSubject& subject);

// The issuer for an audience: <public_url>/api/v1/projects/<project>, with
// projects-restricted-users / projects-anonymous-users for the others.
std::string IssuerFor(absl::string_view public_url, absl::string_view audience);

// A signed token and the instant it expires: exactly its `exp` claim, so
// whole seconds (the claim has no finer unit), at most `lifetime` from now.
// Handed out together so that nobody decodes a token we just signed.
struct IssuedToken {
  std::string token;
  absl::Time expires_at;
};

// Signs access tokens with the key ring's current key for each audience.
// Thread-safe; the ring and clock must outlive it.
class AccessTokenIssuer {
 public:
  AccessTokenIssuer(const crypto::KeyRing& keys, const common::Clock& clock,
                    std::string public_url)
      : keys_(keys), clock_(clock), public_url_(std::move(public_url)) {}

  // An ES256 JWT with exactly Stack's claims (docs/stack-wire-format.md), valid
  // for `lifetime`, with its expiry. INTERNAL if signing fails.
  absl::StatusOr<IssuedToken> IssueWithExpiry(const TokenSubject& subject,
                                              absl::Duration lifetime) const;

  // A short-lived token for a WebSocket connection: audience
  // "<project>:ws", bound to the user and session. INTERNAL on failure.
  absl::StatusOr<IssuedToken> IssueWebSocketToken(
      const TokenSubject& subject, absl::Duration lifetime) const;

  const std::string& public_url() const { return public_url_; }

 private:
  const crypto::KeyRing& keys_;
  const common::Clock& clock_;
  const std::string public_url_;
};

// A token verified for the project it names, and that project.
struct VerifiedForNamedProject {
  identity::v1::AccessTokenClaims claims;
  std::string project_id;
};

// Which users' tokens a caller accepts.
struct TokenAcceptance {
  bool allow_anonymous = false;
  bool allow_restricted = false;
};

// Verifies access tokens for one project and answers in Stack's terms: the
// verified claims, or a catalogue error — UNPARSABLE_ACCESS_TOKEN
// (malformed, bad signature, unknown kid, wrong algorithm, wrong issuer),
// ACCESS_TOKEN_EXPIRED (with expired_at_millis, project_id, user_id,
// refresh_token_id), INVALID_PROJECT_FOR_ACCESS_TOKEN,
// ANONYMOUS_AUTHENTICATION_NOT_ALLOWED, RESTRICTED_USER_NOT_ALLOWED (with
// restricted_reason), or INTERNAL_ERROR when crypto fails. No database is
// touched. Thread-safe.
//
// With a cache, a token that verified is remembered until its exp
// (verified_token_cache.h): seeing it again costs a SHA-256 and a lookup,
// and the checks that depend on the caller (which audiences it accepts)
// still run on every call. Only successes are cached; every refusal is
// worked out in full each time, so its error is always exact.
class AccessTokenVerifier {
 public:
  AccessTokenVerifier(const crypto::JwtVerifier& verifier,
                      std::string public_url)
      : verifier_(verifier), public_url_(std::move(public_url)) {}
  // `clock` must be the verifier's clock; both it and `cache` must outlive
  // this object.
  AccessTokenVerifier(const crypto::JwtVerifier& verifier,
                      std::string public_url, const common::Clock& clock,
                      VerifiedTokenCache& cache)
      : verifier_(verifier),
        public_url_(std::move(public_url)),
        clock_(&clock),
        cache_(&cache) {}

  absl::StatusOr<identity::v1::AccessTokenClaims> Verify(
      absl::string_view token, absl::string_view project_id,
      TokenAcceptance acceptance) const;

  // The same for a caller that serves every project (Envoy's ext_authz):
  // the project is the one the token's audience names. That name is read
  // before the signature is checked, but it only chooses whose rules the
  // full verification applies, and that verification refuses a token
  // whose audience (and so signing key) is not that project's. A token
  // that verified before is not read again: its cached audience says.
  // UNPARSABLE_ACCESS_TOKEN when the token names no project.
  absl::StatusOr<VerifiedForNamedProject> VerifyForNamedProject(
      absl::string_view token, TokenAcceptance acceptance) const;

  // The same, with the ADMIN_ error codes (UNPARSABLE_ADMIN_ACCESS_TOKEN,
  // ADMIN_ACCESS_TOKEN_EXPIRED), for x-stack-admin-access-token, which must
  // be a normal (not restricted) token of the internal project.
  absl::StatusOr<identity::v1::AccessTokenClaims> VerifyAdmin(
      absl::string_view token) const;

  // Verifies a WebSocket token of `project_id`.
  absl::StatusOr<identity::v1::AccessTokenClaims> VerifyWebSocket(
      absl::string_view token, absl::string_view project_id) const;

  // How many tokens were refused for `failure` since start (all three
  // entry points; a cached success is not a verification). For metrics.
  uint64_t failures(crypto::JwtFailure failure) const {
    return failures_[static_cast<size_t>(failure)].load(
        std::memory_order_relaxed);
  }

 private:
  void CountFailure(crypto::JwtFailure failure) const {
    failures_[static_cast<size_t>(failure)].fetch_add(
        1, std::memory_order_relaxed);
  }

  // The cache key of `token`; "" with no cache or for a token too long to
  // be one of ours.
  std::string CacheKeyOf(absl::string_view token) const;
  // Verify's work once the cache was asked: `hit` is its entry for
  // `cache_key`, or null.
  absl::StatusOr<identity::v1::AccessTokenClaims> VerifyKeyed(
      absl::string_view token, absl::string_view cache_key,
      std::shared_ptr<const VerifiedToken> hit, absl::string_view project_id,
      TokenAcceptance acceptance) const;
  // The cached claims when `accepted` takes the cached token's audience;
  // nullopt sends the caller down the full path.
  std::optional<identity::v1::AccessTokenClaims> FromCache(
      const VerifiedToken& hit,
      const std::vector<std::string>& accepted_audiences) const;
  // Caches a token that has just verified.
  void Remember(absl::string_view cache_key,
                const crypto::JwtVerification& result,
                const identity::v1::AccessTokenClaims& claims) const;

  const crypto::JwtVerifier& verifier_;
  const std::string public_url_;
  const common::Clock* clock_ = nullptr;
  VerifiedTokenCache* cache_ = nullptr;
  mutable std::array<std::atomic<uint64_t>,
                     static_cast<size_t>(crypto::JwtFailure::kInternal) + 1>
      failures_{};
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_ACCESS_TOKENS_H_
