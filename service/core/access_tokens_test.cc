#include "service/core/access_tokens.h"

#include <set>

#include "crypto/encoding.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kProject[] = "8a7c0f0e-2a1b-4c3d-9e8f-0a1b2c3d4e5f";
constexpr char kOtherProject[] = "00000000-0000-4000-8000-000000000001";
constexpr char kUrl[] = "https://auth.example.com";

class AccessTokensTest : public ::testing::Test {
 protected:
  AccessTokensTest()
      : ring_(*crypto::KeyRing::Create({.current_secret = kSecret})),
        jwt_(*crypto::JwtVerifier::Create(*ring_, clock_)),
        issuer_(*ring_, clock_, kUrl),
        verifier_(jwt_, kUrl),
        cached_verifier_(jwt_, kUrl, clock_, cache_) {}

  TokenSubject Subject(const char* project = kProject) {
    TokenSubject subject;
    subject.project_id = project;
    subject.user_id = "u-1";
    subject.session_id = "s-1";
    subject.display_name = "Ann";
    subject.primary_email = "ann@example.com";
    subject.primary_email_verified = true;
    subject.signed_up_at = absl::FromUnixSeconds(1'600'000'000);
    return subject;
  }

  static nlohmann::json Payload(const std::string& token) {
    size_t first = token.find('.');
    size_t second = token.find('.', first + 1);
    return nlohmann::json::parse(
        *crypto::Base64UrlDecode(token.substr(first + 1, second - first - 1)));
  }

  // An access token, without its expiry (which only some tests check).
  absl::StatusOr<std::string> Token(const TokenSubject& subject,
                                    absl::Duration lifetime) {
    absl::StatusOr<IssuedToken> issued =
        issuer_.IssueWithExpiry(subject, lifetime);
    if (!issued.ok()) return issued.status();
    return issued->token;
  }

  static identity::v1::ErrorCode Code(const absl::Status& status) {
    auto error = ReadApiError(status);
    return error ? error->code : identity::v1::ERROR_CODE_UNSPECIFIED;
  }

  common::FakeClock clock_;
  std::unique_ptr<crypto::KeyRing> ring_;
  crypto::JwtVerifier jwt_;
  AccessTokenIssuer issuer_;
  AccessTokenVerifier verifier_;
  VerifiedTokenCache cache_{{}};
  AccessTokenVerifier cached_verifier_;
};

TEST_F(AccessTokensTest, CarriesExactlyStacksClaims) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(token.ok()) << token.status();
  nlohmann::json claims = Payload(*token);
  std::set<std::string> keys;
  for (const auto& [key, value] : claims.items()) keys.insert(key);
  EXPECT_EQ(keys,
            (std::set<std::string>{
                "iss", "sub", "aud", "iat", "exp", "project_id", "branch_id",
                "refresh_token_id", "role", "name", "email", "email_verified",
                "selected_team_id", "signed_up_at", "is_anonymous",
                "is_restricted", "restricted_reason", "requires_totp_mfa"}));
  EXPECT_EQ(claims["iss"], std::string(kUrl) + "/api/v1/projects/" + kProject);
  EXPECT_EQ(claims["aud"], kProject);
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 600);
  EXPECT_EQ(claims["role"], "authenticated");
  EXPECT_TRUE(claims["selected_team_id"].is_null());
  EXPECT_TRUE(claims["restricted_reason"].is_null());
  EXPECT_EQ(claims["signed_up_at"], 1'600'000'000);

  auto verified = verifier_.Verify(*token, kProject, {});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->sub(), "u-1");
  EXPECT_EQ(verified->refresh_token_id(), "s-1");
  EXPECT_EQ(verified->email(), "ann@example.com");
}

TEST_F(AccessTokensTest, AnonymousUsersGetTheirOwnAudienceAndGate) {
  TokenSubject subject = Subject();
  subject.is_anonymous = true;
  auto token = Token(subject, absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  nlohmann::json claims = Payload(*token);
  EXPECT_EQ(claims["aud"], std::string(kProject) + ":anon");
  EXPECT_EQ(claims["iss"],
            std::string(kUrl) + "/api/v1/projects-anonymous-users/" + kProject);
  EXPECT_EQ(claims["restricted_reason"]["type"], "anonymous");
  EXPECT_EQ(Code(verifier_.Verify(*token, kProject, {}).status()),
            identity::v1::ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);
  EXPECT_TRUE(
      verifier_.Verify(*token, kProject, {.allow_anonymous = true}).ok());
}

TEST_F(AccessTokensTest, RestrictedUsersNeedTheRestrictedGate) {
  TokenSubject subject = Subject();
  subject.email_verification_pending = true;
  auto token = Token(subject, absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(Payload(*token)["aud"], std::string(kProject) + ":restricted");
  auto refused = verifier_.Verify(*token, kProject, {});
  EXPECT_EQ(Code(refused.status()), identity::v1::RESTRICTED_USER_NOT_ALLOWED);
  EXPECT_EQ(ReadApiError(refused.status())->details["restricted_reason"],
            R"({"type":"email_not_verified"})");
  auto allowed = verifier_.Verify(*token, kProject, {.allow_restricted = true});
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->restricted_reason().type(), "email_not_verified");
}

TEST_F(AccessTokensTest, AnotherProjectsTokenIsNamedAsSuch) {
  auto token = Token(Subject(kOtherProject), absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  auto refused = verifier_.Verify(*token, kProject, {});
  EXPECT_EQ(Code(refused.status()),
            identity::v1::INVALID_PROJECT_FOR_ACCESS_TOKEN);
  EXPECT_EQ(ReadApiError(refused.status())->details["actual_project_id"],
            kOtherProject);
}

TEST_F(AccessTokensTest, ExpiredTokenCarriesStacksDetails) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  const absl::Time issued = clock_.Now();
  clock_.Advance(absl::Minutes(12));
  auto refused = verifier_.Verify(*token, kProject, {});
  EXPECT_EQ(Code(refused.status()), identity::v1::ACCESS_TOKEN_EXPIRED);
  auto details = ReadApiError(refused.status())->details;
  EXPECT_EQ(details["expired_at_millis"],
            std::to_string(absl::ToUnixMillis(issued + absl::Minutes(10))));
  EXPECT_EQ(details["user_id"], "u-1");
  EXPECT_EQ(details["refresh_token_id"], "s-1");
  EXPECT_EQ(details["project_id"], kProject);
}

TEST_F(AccessTokensTest, GarbageAndTamperingAreUnparsable) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  std::string tampered = *token;
  tampered[tampered.size() - 3] ^= 1;
  for (const std::string& bad :
       {std::string("nonsense"), tampered, std::string("a.b.c")}) {
    EXPECT_EQ(Code(verifier_.Verify(bad, kProject, {}).status()),
              identity::v1::UNPARSABLE_ACCESS_TOKEN);
  }
}

TEST_F(AccessTokensTest, WebSocketTokensAreNotAccessTokens) {
  auto ws = issuer_.IssueWebSocketToken(Subject(), absl::Seconds(60));
  ASSERT_TRUE(ws.ok()) << ws.status();
  EXPECT_EQ(
      Code(verifier_.Verify(ws->token, kProject, {.allow_anonymous = true})
               .status()),
      identity::v1::UNPARSABLE_ACCESS_TOKEN);
  auto verified = verifier_.VerifyWebSocket(ws->token, kProject);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->refresh_token_id(), "s-1");
  auto access = Token(Subject(), absl::Minutes(10));
  EXPECT_FALSE(verifier_.VerifyWebSocket(*access, kProject).ok());
}

// The expiry handed out with a token is the one it carries, to the second,
// also when the clock is between seconds (exp has no finer unit).
TEST_F(AccessTokensTest, IssuedExpiryIsTheTokensExpClaim) {
  clock_.Set(absl::FromUnixMillis(1'700'000'000'750));
  auto access = issuer_.IssueWithExpiry(Subject(), absl::Minutes(10));
  ASSERT_TRUE(access.ok()) << access.status();
  EXPECT_EQ(access->expires_at, absl::FromUnixSeconds(1'700'000'600));
  EXPECT_EQ(Payload(access->token)["exp"].get<int64_t>(),
            absl::ToUnixSeconds(access->expires_at));
  auto ws = issuer_.IssueWebSocketToken(Subject(), absl::Seconds(60));
  ASSERT_TRUE(ws.ok()) << ws.status();
  EXPECT_EQ(ws->expires_at, absl::FromUnixSeconds(1'700'000'060));
  EXPECT_EQ(Payload(ws->token)["exp"].get<int64_t>(),
            absl::ToUnixSeconds(ws->expires_at));
}

TEST_F(AccessTokensTest, AdminTokensMustBeInternalProjectTokens) {
  auto internal = Token(Subject("internal"), absl::Minutes(10));
  ASSERT_TRUE(verifier_.VerifyAdmin(*internal).ok());
  auto other = Token(Subject(kProject), absl::Minutes(10));
  EXPECT_EQ(Code(verifier_.VerifyAdmin(*other).status()),
            identity::v1::UNPARSABLE_ADMIN_ACCESS_TOKEN);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Code(verifier_.VerifyAdmin(*internal).status()),
            identity::v1::ADMIN_ACCESS_TOKEN_EXPIRED);
}

// The cached verifier answers a token it has seen with the same claims,
// without verifying it again.
TEST_F(AccessTokensTest, CachedVerifierAnswersARepeatFromTheCache) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  auto first = cached_verifier_.Verify(*token, kProject, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(cache_.stats().entries, 1u);
  auto second = cached_verifier_.Verify(*token, kProject, {});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(cache_.stats().hits, 1u);
  EXPECT_EQ(second->SerializeAsString(), first->SerializeAsString());
}

// A cached token still passes the caller's own gate on every call, and the
// refusal is the exact one the full path gives.
TEST_F(AccessTokensTest, CachedTokenIsStillGatedByEachCaller) {
  TokenSubject anonymous = Subject();
  anonymous.is_anonymous = true;
  auto anon = Token(anonymous, absl::Minutes(10));
  ASSERT_TRUE(
      cached_verifier_.Verify(*anon, kProject, {.allow_anonymous = true}).ok());
  EXPECT_EQ(Code(cached_verifier_.Verify(*anon, kProject, {}).status()),
            identity::v1::ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);

  TokenSubject pending = Subject();
  pending.email_verification_pending = true;
  auto restricted = Token(pending, absl::Minutes(10));
  ASSERT_TRUE(
      cached_verifier_.Verify(*restricted, kProject, {.allow_restricted = true})
          .ok());
  auto refused = cached_verifier_.Verify(*restricted, kProject, {});
  EXPECT_EQ(Code(refused.status()), identity::v1::RESTRICTED_USER_NOT_ALLOWED);
  EXPECT_EQ(ReadApiError(refused.status())->details["restricted_reason"],
            R"({"type":"email_not_verified"})");

  auto normal = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(cached_verifier_.Verify(*normal, kProject, {}).ok());
  EXPECT_EQ(Code(cached_verifier_.Verify(*normal, kOtherProject, {}).status()),
            identity::v1::INVALID_PROJECT_FOR_ACCESS_TOKEN);
  EXPECT_EQ(Code(cached_verifier_.VerifyAdmin(*normal).status()),
            identity::v1::UNPARSABLE_ADMIN_ACCESS_TOKEN);
}

TEST_F(AccessTokensTest, CachedTokenIsNeverServedPastItsExp) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(cached_verifier_.Verify(*token, kProject, {}).ok());
  clock_.Advance(absl::Minutes(10));
  // At exp the cache no longer answers; the full check still forgives its
  // leeway, and does not put the token back.
  const uint64_t hits = cache_.stats().hits;
  EXPECT_TRUE(cached_verifier_.Verify(*token, kProject, {}).ok());
  EXPECT_EQ(cache_.stats().hits, hits);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(Code(cached_verifier_.Verify(*token, kProject, {}).status()),
            identity::v1::ACCESS_TOKEN_EXPIRED);
  EXPECT_EQ(cache_.stats().hits, hits);
}

// A token differing from a cached one in any byte is verified in full, and
// a refused token is never cached.
TEST_F(AccessTokensTest, TamperedAndRefusedTokensAreNeverCached) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(cached_verifier_.Verify(*token, kProject, {}).ok());
  std::string tampered = *token;
  tampered[tampered.size() - 3] ^= 1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(Code(cached_verifier_.Verify(tampered, kProject, {}).status()),
              identity::v1::UNPARSABLE_ACCESS_TOKEN);
  }
  auto other = Token(Subject(kOtherProject), absl::Minutes(10));
  EXPECT_FALSE(cached_verifier_.Verify(*other, kProject, {}).ok());
  EXPECT_FALSE(cached_verifier_.Verify("nonsense", kProject, {}).ok());
  EXPECT_EQ(cache_.stats().entries, 1u);
  EXPECT_EQ(cache_.stats().hits, 0u);
}

// When the key that signed a token is retired, the token goes back to a
// full verification.
TEST_F(AccessTokensTest, RetiringAKidEmptiesItsCachedTokens) {
  auto token = Token(Subject(), absl::Minutes(10));
  ASSERT_TRUE(cached_verifier_.Verify(*token, kProject, {}).ok());
  const std::string header =
      *crypto::Base64UrlDecode(token->substr(0, token->find('.')));
  cache_.DropKid(nlohmann::json::parse(header)["kid"].get<std::string>());
  EXPECT_EQ(cache_.stats().entries, 0u);
  ASSERT_TRUE(cached_verifier_.Verify(*token, kProject, {}).ok());
  EXPECT_EQ(cache_.stats().hits, 0u);
  EXPECT_EQ(cache_.stats().entries, 1u);
}

TEST_F(AccessTokensTest, VerifyForNamedProjectReadsTheProjectFromTheToken) {
  auto token = Token(Subject(kOtherProject), absl::Minutes(10));
  ASSERT_TRUE(token.ok());
  for (const AccessTokenVerifier* verifier : {&verifier_, &cached_verifier_}) {
    auto verified = verifier->VerifyForNamedProject(*token, {});
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->project_id, kOtherProject);
    EXPECT_EQ(verified->claims.sub(), "u-1");
  }
  // Seen again: the cache names the project, with one lookup per call.
  const uint64_t hits_before = cache_.stats().hits;
  auto again = cached_verifier_.VerifyForNamedProject(*token, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->project_id, kOtherProject);
  EXPECT_EQ(cache_.stats().hits, hits_before + 1);
}

TEST_F(AccessTokensTest, VerifyForNamedProjectAppliesTheAcceptanceRules) {
  TokenSubject subject = Subject();
  subject.is_anonymous = true;
  auto anon = Token(subject, absl::Minutes(10));
  ASSERT_TRUE(anon.ok());
  ASSERT_TRUE(
      cached_verifier_.VerifyForNamedProject(*anon, {.allow_anonymous = true})
          .ok());
  // Cached now, and still refused to a caller that takes no anonymous user.
  auto refused = cached_verifier_.VerifyForNamedProject(*anon, {});
  EXPECT_EQ(Code(refused.status()),
            identity::v1::ANONYMOUS_AUTHENTICATION_NOT_ALLOWED);
}

TEST_F(AccessTokensTest, VerifyForNamedProjectRefusesAForgedAudience) {
  // Another project's genuine token with its audience rewritten to name
  // ours: the name picks our key, under which the signature fails.
  auto genuine = Token(Subject(kOtherProject), absl::Minutes(10));
  ASSERT_TRUE(genuine.ok());
  ASSERT_TRUE(cached_verifier_.VerifyForNamedProject(*genuine, {}).ok());
  nlohmann::json claims = Payload(*genuine);
  claims["aud"] = kProject;
  const size_t first = genuine->find('.');
  const size_t second = genuine->find('.', first + 1);
  const std::string forged = genuine->substr(0, first + 1) +
                             crypto::Base64UrlEncode(claims.dump()) +
                             genuine->substr(second);
  for (const AccessTokenVerifier* verifier : {&verifier_, &cached_verifier_}) {
    auto refused = verifier->VerifyForNamedProject(forged, {});
    EXPECT_EQ(Code(refused.status()), identity::v1::UNPARSABLE_ACCESS_TOKEN);
  }
}

TEST_F(AccessTokensTest, VerifyForNamedProjectRefusesTokensNamingNoProject) {
  const std::string no_audience = "eyJhbGciOiJFUzI1NiJ9." +
                                  crypto::Base64UrlEncode(R"({"sub":"u-1"})") +
                                  ".c2ln";
  for (const std::string& token :
       {std::string("not-a-token"), std::string("a.%%%.c"),
        std::string("a.") + crypto::Base64UrlEncode("[1,2]") + ".c",
        no_audience, std::string(crypto::kMaxJwtSize + 1, 'a')}) {
    for (const AccessTokenVerifier* verifier :
         {&verifier_, &cached_verifier_}) {
      auto refused = verifier->VerifyForNamedProject(token, {});
      EXPECT_EQ(Code(refused.status()), identity::v1::UNPARSABLE_ACCESS_TOKEN)
          << token.substr(0, 40);
    }
  }
}

}  // namespace
}  // namespace latchkey::service::core
