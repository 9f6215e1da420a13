#include "service/core/access_tokens.h"

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "crypto/encoding.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using common::Std;

using identity::v1::AccessTokenClaims;

constexpr absl::string_view kAnonSuffix = ":anon";
constexpr absl::string_view kRestrictedSuffix = ":restricted";
constexpr absl::string_view kWebSocketSuffix = ":ws";

// The project an audience belongs to.
std::string ProjectOf(absl::string_view audience) {
  return std::string(audience.substr(0, audience.find(':')));
}

// The project a token names in its audience ("<project>[:kind]"), read
// without verifying it, or "" when the token has none to read.
std::string ProjectNamedBy(absl::string_view token) {
  const size_t first = token.find('.');
  if (first == absl::string_view::npos) return "";
  const size_t second = token.find('.', first + 1);
  if (second == absl::string_view::npos) return "";
  absl::StatusOr<std::string> payload =
      crypto::Base64UrlDecode(Std(token.substr(first + 1, second - first - 1)));
  if (!payload.ok()) return "";
  nlohmann::json claims = nlohmann::json::parse(*payload, nullptr,
                                                /*allow_exceptions=*/false);
  if (!claims.is_object()) return "";
  auto aud = claims.find("aud");
  if (aud == claims.end() || !aud->is_string()) return "";
  return ProjectOf(aud->get_ref<const std::string&>());
}

// The exp claim, in whole seconds, of a token issued at `now`.
absl::Time ExpiryOf(absl::Time now, absl::Duration lifetime) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(now + lifetime));
}

crypto::JwtClaimsWriter BaseClaims(const TokenSubject& subject,
                                   absl::string_view issuer,
                                   absl::string_view audience, absl::Time now,
                                   absl::Time expires_at) {
  crypto::JwtClaimsWriter claims;
  claims.String("iss", Std(issuer))
      .String("sub", subject.user_id)
      .String("aud", Std(audience))
      .Int("iat", absl::ToUnixSeconds(now))
      .Int("exp", absl::ToUnixSeconds(expires_at));
  return claims;
}

// Signs `claims` and pairs the token with the expiry they name.
absl::StatusOr<IssuedToken> Sign(const crypto::AudienceKeys& keys,
                                 crypto::JwtClaimsWriter claims,
                                 absl::Time expires_at) {
  absl::StatusOr<std::string> token =
      crypto::SignJwt(keys.signer(), std::move(claims));
  if (!token.ok()) return token.status();
  return IssuedToken{*std::move(token), expires_at};
}

// Reads verified claims into the proto; INVALID_ARGUMENT-free: claims we
// signed ourselves always have this shape, and anything missing is left
// at its default rather than trusted.
AccessTokenClaims ToProto(const nlohmann::json& claims) {
  AccessTokenClaims out;
  auto text = [&claims](const char* key) -> std::optional<std::string> {
    auto it = claims.find(key);
    if (it == claims.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto number = [&claims](const char* key) -> int64_t {
    auto it = claims.find(key);
    return it != claims.end() && it->is_number_integer() ? it->get<int64_t>()
                                                         : 0;
  };
  auto flag = [&claims](const char* key) {
    auto it = claims.find(key);
    return it != claims.end() && it->is_boolean() && it->get<bool>();
  };
  out.set_iss(text("iss").value_or(""));
  out.set_sub(text("sub").value_or(""));
  out.set_aud(text("aud").value_or(""));
  out.set_iat(number("iat"));
  out.set_exp(number("exp"));
  out.set_project_id(text("project_id").value_or(""));
  out.set_branch_id(text("branch_id").value_or("main"));
  out.set_refresh_token_id(text("refresh_token_id").value_or(""));
  out.set_role(text("role").value_or(""));
  if (auto name = text("name")) out.set_name(*name);
  if (auto email = text("email")) out.set_email(*email);
  out.set_email_verified(flag("email_verified"));
  if (auto team = text("selected_team_id")) out.set_selected_team_id(*team);
  out.set_signed_up_at(number("signed_up_at"));
  out.set_is_anonymous(flag("is_anonymous"));
  out.set_is_restricted(flag("is_restricted"));
  if (auto it = claims.find("restricted_reason");
      it != claims.end() && it->is_object() && it->contains("type") &&
      (*it)["type"].is_string()) {
    out.mutable_restricted_reason()->set_type((*it)["type"].get<std::string>());
  }
  out.set_requires_totp_mfa(flag("requires_totp_mfa"));
  return out;
}

std::string RestrictedReasonJson(const nlohmann::json& claims) {
  auto it = claims.find("restricted_reason");
  if (it != claims.end() && it->is_object()) return it->dump();
  return R"({"type":"anonymous"})";
}

}  // namespace

std::string RestrictedReasonOf(const TokenSubject& subject) {
  if (subject.is_anonymous) return "anonymous";
  if (subject.restricted_by_admin) return "restricted_by_administrator";
  if (subject.email_verification_pending) return "email_not_verified";
  return "";
}

std::string AudienceFor(const TokenSubject& subject) {
  if (subject.is_anonymous) {
    return absl::StrCat(subject.project_id, kAnonSuffix);
  }
  if (!RestrictedReasonOf(subject).empty()) {
    return absl::StrCat(subject.project_id, kRestrictedSuffix);
  }
  return subject.project_id;
}

std::string IssuerFor(absl::string_view public_url,
                      absl::string_view audience) {
  const std::string project = ProjectOf(audience);
  if (absl::EndsWith(audience, kAnonSuffix)) {
    return absl::StrCat(public_url, "/api/v1/projects-anonymous-users/",
                        project);
  }
  if (absl::EndsWith(audience, kRestrictedSuffix)) {
    return absl::StrCat(public_url, "/api/v1/projects-restricted-users/",
                        project);
  }
  return absl::StrCat(public_url, "/api/v1/projects/", project);
}

absl::StatusOr<IssuedToken> AccessTokenIssuer::IssueWithExpiry(
    const TokenSubject& subject, absl::Duration lifetime) const {
  const std::string audience = AudienceFor(subject);
  auto keys = keys_.KeysFor(audience);
  if (!keys.ok()) return keys.status();
  const absl::Time now = clock_.Now();
  const absl::Time expires_at = ExpiryOf(now, lifetime);
  crypto::JwtClaimsWriter claims = BaseClaims(
      subject, IssuerFor(public_url_, audience), audience, now, expires_at);
  const std::string reason = RestrictedReasonOf(subject);
  // Stack's claims, in Stack's order.
  claims.String("project_id", subject.project_id)
      .String("branch_id", subject.branch_id)
      .String("refresh_token_id", subject.session_id)
      .String("role", "authenticated")
      .StringOrNull("name", subject.display_name)
      .StringOrNull("email", subject.primary_email)
      .Bool("email_verified", subject.primary_email_verified)
      .StringOrNull("selected_team_id", subject.selected_team_id)
      .Int("signed_up_at", absl::ToUnixSeconds(subject.signed_up_at))
      .Bool("is_anonymous", subject.is_anonymous)
      .Bool("is_restricted", !reason.empty());
  if (reason.empty()) {
    claims.Null("restricted_reason");
  } else {
    claims.BeginObject("restricted_reason").String("type", reason).EndObject();
  }
  claims.Bool("requires_totp_mfa", subject.requires_totp_mfa);
  return Sign(**keys, std::move(claims), expires_at);
}

absl::StatusOr<IssuedToken> AccessTokenIssuer::IssueWebSocketToken(
    const TokenSubject& subject, absl::Duration lifetime) const {
  const std::string audience =
      absl::StrCat(subject.project_id, kWebSocketSuffix);
  auto keys = keys_.KeysFor(audience);
  if (!keys.ok()) return keys.status();
  const absl::Time now = clock_.Now();
  const absl::Time expires_at = ExpiryOf(now, lifetime);
  crypto::JwtClaimsWriter claims = BaseClaims(
      subject,
      absl::StrCat(public_url_, "/api/v1/projects/", subject.project_id),
      audience, now, expires_at);
  claims.String("project_id", subject.project_id)
      .String("refresh_token_id", subject.session_id);
  return Sign(**keys, std::move(claims), expires_at);
}

absl::StatusOr<AccessTokenClaims> AccessTokenVerifier::Verify(
    absl::string_view token, absl::string_view project_id,
    TokenAcceptance acceptance) const {
  const std::string cache_key = CacheKeyOf(token);
  std::shared_ptr<const VerifiedToken> hit =
      cache_key.empty() ? nullptr : cache_->Find(cache_key, clock_->Now());
  return VerifyKeyed(token, cache_key, std::move(hit), project_id, acceptance);
}

absl::StatusOr<VerifiedForNamedProject>
AccessTokenVerifier::VerifyForNamedProject(absl::string_view token,
                                           TokenAcceptance acceptance) const {
  if (token.size() > crypto::kMaxJwtSize) {
    return ApiError(identity::v1::UNPARSABLE_ACCESS_TOKEN);
  }
  const std::string cache_key = CacheKeyOf(token);
  std::shared_ptr<const VerifiedToken> hit =
      cache_key.empty() ? nullptr : cache_->Find(cache_key, clock_->Now());
  // A token verified before names its project in the audience it verified
  // with; only an unknown one is read (untrusted) for it.
  std::string project =
      hit != nullptr ? ProjectOf(hit->audience) : ProjectNamedBy(token);
  if (project.empty()) return ApiError(identity::v1::UNPARSABLE_ACCESS_TOKEN);
  absl::StatusOr<AccessTokenClaims> claims =
      VerifyKeyed(token, cache_key, std::move(hit), project, acceptance);
  if (!claims.ok()) return claims.status();
  return VerifiedForNamedProject{*std::move(claims), std::move(project)};
}

std::string AccessTokenVerifier::CacheKeyOf(absl::string_view token) const {
  // No cache, no key: hashing every token for a disabled cache would be
  // pure cost (--token_cache_entries=0).
  if (cache_ == nullptr || !cache_->enabled() ||
      token.size() > crypto::kMaxJwtSize) {
    return "";
  }
  return VerifiedTokenCache::KeyOf(Std(token));
}

absl::StatusOr<AccessTokenClaims> AccessTokenVerifier::VerifyKeyed(
    absl::string_view token, absl::string_view cache_key,
    std::shared_ptr<const VerifiedToken> hit, absl::string_view project_id,
    TokenAcceptance acceptance) const {
  crypto::JwtVerifyOptions options;
  const std::string project(project_id);
  options.allowed_audiences.push_back(project);
  if (acceptance.allow_restricted || acceptance.allow_anonymous) {
    options.allowed_audiences.push_back(
        absl::StrCat(project, kRestrictedSuffix));
  }
  if (acceptance.allow_anonymous) {
    options.allowed_audiences.push_back(absl::StrCat(project, kAnonSuffix));
  }
  if (hit != nullptr) {
    std::optional<AccessTokenClaims> cached =
        FromCache(*hit, options.allowed_audiences);
    if (cached.has_value()) return *std::move(cached);
  }
  for (const std::string& audience : options.allowed_audiences) {
    options.allowed_issuers.push_back(IssuerFor(public_url_, audience));
  }
  crypto::JwtVerification result = verifier_.Verify(Std(token), options);
  if (result.ok()) {
    AccessTokenClaims claims = ToProto(result.claims);
    if (!cache_key.empty()) Remember(cache_key, result, claims);
    return claims;
  }

  CountFailure(result.failure);
  switch (result.failure) {
    case crypto::JwtFailure::kExpired: {
      ErrorDetails details;
      if (result.expires_at.has_value()) {
        details["expired_at_millis"] =
            std::to_string(absl::ToUnixMillis(*result.expires_at));
      }
      AccessTokenClaims claims = ToProto(result.claims);
      if (!claims.project_id().empty())
        details["project_id"] = claims.project_id();
      if (!claims.sub().empty()) details["user_id"] = claims.sub();
      if (!claims.refresh_token_id().empty()) {
        details["refresh_token_id"] = claims.refresh_token_id();
      }
      return ApiError(identity::v1::ACCESS_TOKEN_EXPIRED, std::move(details));
    }
    case crypto::JwtFailure::kWrongAudience: {
      // The signature verified under the key of the audience the token
      // names, so that audience is genuine.
      const std::string audience = result.claims.value("aud", "");
      const std::string token_project = ProjectOf(audience);
      if (token_project != project) {
        return ApiError(identity::v1::INVALID_PROJECT_FOR_ACCESS_TOKEN,
                        {{"expected_project_id", project},
                         {"actual_project_id", token_project}});
      }
      if (absl::EndsWith(audience, kAnonSuffix)) {
        return ApiError(identity::v1::ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);
      }
      if (absl::EndsWith(audience, kRestrictedSuffix)) {
        return ApiError(
            identity::v1::RESTRICTED_USER_NOT_ALLOWED,
            {{"restricted_reason", RestrictedReasonJson(result.claims)}});
      }
      return ApiError(identity::v1::UNPARSABLE_ACCESS_TOKEN);
    }
    case crypto::JwtFailure::kInternal:
      return absl::InternalError(
          "access token verification failed inside "
          "the crypto library");
    default:
      return ApiError(identity::v1::UNPARSABLE_ACCESS_TOKEN);
  }
}

std::optional<AccessTokenClaims> AccessTokenVerifier::FromCache(
    const VerifiedToken& hit,
    const std::vector<std::string>& accepted_audiences) const {
  // Before exp by construction of Find. An iat ahead of now (a clock that
  // went back, or a signer's clock ahead of ours) goes to the full check
  // and its leeway. The issuer needs no check: it was checked against the
  // one issuer of this audience when the token went in.
  if (hit.issued_at > clock_->Now()) return std::nullopt;
  if (std::find(accepted_audiences.begin(), accepted_audiences.end(),
                hit.audience) == accepted_audiences.end()) {
    return std::nullopt;  // the full path names the exact refusal
  }
  return hit.claims;
}

void AccessTokenVerifier::Remember(absl::string_view cache_key,
                                   const crypto::JwtVerification& result,
                                   const AccessTokenClaims& claims) const {
  auto kid = result.header.find("kid");
  if (kid == result.header.end() || !kid->is_string()) return;
  // We never issue nbf; a token carrying one is left to the full check.
  if (result.claims.contains("nbf")) return;
  VerifiedToken entry;
  entry.claims = claims;
  entry.audience = claims.aud();
  entry.kid = kid->get<std::string>();
  entry.issued_at = absl::FromUnixSeconds(claims.iat());
  // The claims were checked to carry a numeric exp; the proto keeps whole
  // seconds, which is what the verifier compared against.
  entry.expires_at = result.expires_at.value_or(absl::InfinitePast());
  cache_->Insert(cache_key, std::move(entry), clock_->Now());
}

absl::StatusOr<AccessTokenClaims> AccessTokenVerifier::VerifyAdmin(
    absl::string_view token) const {
  absl::StatusOr<AccessTokenClaims> claims =
      Verify(token, "internal", TokenAcceptance{});
  if (claims.ok()) return claims;
  std::optional<ApiErrorView> error = ReadApiError(claims.status());
  if (error.has_value() && error->code == identity::v1::ACCESS_TOKEN_EXPIRED) {
    ErrorDetails details;
    if (auto it = error->details.find("expired_at_millis");
        it != error->details.end()) {
      details["expired_at_millis"] = it->second;
    }
    return ApiError(identity::v1::ADMIN_ACCESS_TOKEN_EXPIRED,
                    std::move(details));
  }
  if (error.has_value())
    return ApiError(identity::v1::UNPARSABLE_ADMIN_ACCESS_TOKEN);
  return claims.status();
}

absl::StatusOr<AccessTokenClaims> AccessTokenVerifier::VerifyWebSocket(
    absl::string_view token, absl::string_view project_id) const {
  crypto::JwtVerifyOptions options;
  options.allowed_audiences.push_back(
      absl::StrCat(project_id, kWebSocketSuffix));
  options.allowed_issuers.push_back(
      absl::StrCat(public_url_, "/api/v1/projects/", project_id));
  crypto::JwtVerification result = verifier_.Verify(Std(token), options);
  if (result.ok()) return ToProto(result.claims);
  CountFailure(result.failure);
  if (result.failure == crypto::JwtFailure::kExpired) {
    return ApiError(identity::v1::ACCESS_TOKEN_EXPIRED);
  }
  if (result.failure == crypto::JwtFailure::kInternal) {
    return absl::InternalError("WebSocket token verification failed");
  }
  return ApiError(identity::v1::UNPARSABLE_ACCESS_TOKEN);
}

}  // namespace latchkey::service::core
