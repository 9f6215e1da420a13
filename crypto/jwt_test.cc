#include "crypto/jwt.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;
using ordered_json = nlohmann::ordered_json;

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kNewSecret[] = "o8DKcN0lqVv5eAqhXq1zWm9yS8bJk2u3Tt6Rr4Pp7Lw";
constexpr char kIssuer[] = "https://auth.example/api/v1/projects/internal";
constexpr char kAnonIssuer[] =
    "https://auth.example/api/v1/projects-anonymous-users/internal";
constexpr int64_t kNow = 1'700'000'000;

std::unique_ptr<KeyRing> MakeRing(const char* current,
                                  const char* previous = nullptr) {
  KeyRing::Options options;
  options.current_secret = current;
  if (previous != nullptr) options.previous_secret = previous;
  auto ring = KeyRing::Create(options);
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

// Access-token claims shaped as docs/stack-wire-format.md lists them.
ordered_json Claims(const std::string& aud = "internal",
                    const std::string& iss = kIssuer, int64_t iat = kNow,
                    int64_t exp = kNow + 600) {
  return ordered_json{
      {"iss", iss},
      {"sub", "6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c"},
      {"aud", aud},
      {"iat", iat},
      {"exp", exp},
      {"project_id", "internal"},
      {"branch_id", "main"},
      {"refresh_token_id", "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"},
      {"role", "authenticated"},
      {"name", "Ada"},
      {"email", nullptr},
      {"email_verified", false},
      {"selected_team_id", nullptr},
      {"signed_up_at", kNow - 1000},
      {"is_anonymous", false},
      {"is_restricted", false},
      {"restricted_reason", nullptr},
      {"requires_totp_mfa", false}};
}

// Builds a token from literal header and payload text, correctly signed by
// `key`, so that a rejection proves the verifier looked past the signature.
std::string SignRaw(const SigningKey& key, const std::string& header,
                    const std::string& payload) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(*key.SignEs256(input));
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : clock_(absl::FromUnixSeconds(kNow)),
        ring_(MakeRing(kSecret)),
        verifier_(*JwtVerifier::Create(*ring_, clock_)) {
    options_.allowed_audiences = {"internal"};
    options_.allowed_issuers = {kIssuer};
  }

  const AudienceKeys& Keys(const std::string& aud = "internal") {
    keys_ = *ring_->KeysFor(aud);
    return *keys_;
  }
  std::string Sign(const ordered_json& claims) {
    std::string aud = claims["aud"];
    auto token = SignJwt(Keys(aud).signer(), claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return *token;
  }
  std::string Header(const std::string& kid = "M5zZLA6iQw2n") {
    return R"({"alg":"ES256","kid":")" + kid + "\"}";
  }
  void ExpectFailure(const std::string& token, JwtFailure failure) {
    JwtVerification v = verifier_.Verify(token, options_);
    EXPECT_EQ(v.failure, failure) << JwtFailureName(v.failure);
    EXPECT_EQ(v.status.code(), StatusCode::kUnauthenticated);
    EXPECT_FALSE(v.ok());
  }

  common::FakeClock clock_;
  std::unique_ptr<KeyRing> ring_;
  JwtVerifier verifier_;
  JwtVerifyOptions options_;
  std::shared_ptr<const AudienceKeys> keys_;
};

TEST_F(JwtTest, SignedTokenHasExactlyStacksHeader) {
  std::string token = Sign(Claims());
  std::string header_b64 = token.substr(0, token.find('.'));
  EXPECT_EQ(*Base64UrlDecode(header_b64),
            R"({"alg":"ES256","kid":"M5zZLA6iQw2n"})");
}

TEST_F(JwtTest, PayloadKeepsClaimOrderAndCompactForm) {
  ordered_json claims = {
      {"iss", kIssuer}, {"aud", "internal"}, {"z", 1}, {"a", "h\xc3\xa9"}};
  std::string token = Sign(claims);
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  EXPECT_EQ(*Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)),
            std::string(R"({"iss":")") + kIssuer +
                R"(","aud":"internal","z":1,"a":"h)"
                "\xc3\xa9"
                R"("})");
  EXPECT_EQ(Base64UrlDecode(token.substr(dot2 + 1))->size(), 64u);
}

TEST_F(JwtTest, ValidTokenVerifiesAndReturnsClaims) {
  JwtVerification v = verifier_.Verify(Sign(Claims()), options_);
  ASSERT_TRUE(v.ok()) << JwtFailureName(v.failure) << " " << v.status;
  EXPECT_TRUE(v.status.ok());
  EXPECT_TRUE(v.signature_verified);
  EXPECT_EQ(v.claims["sub"], "6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c");
  EXPECT_EQ(v.header["kid"], "M5zZLA6iQw2n");
  EXPECT_EQ(v.expires_at, absl::FromUnixSeconds(kNow + 600));
}

TEST_F(JwtTest, TokenSignedWithScheme2KeyVerifies) {
  auto token = SignJwt(*Keys().keys[1], Claims());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verifier_.Verify(*token, options_).ok());
}

TEST_F(JwtTest, SigningWithAnotherAudiencesKeyIsRefused) {
  EXPECT_EQ(SignJwt(Keys("internal:anon").signer(), Claims()).status().code(),
            StatusCode::kInvalidArgument);
  ordered_json no_aud = Claims();
  no_aud.erase("aud");
  EXPECT_EQ(SignJwt(Keys().signer(), no_aud).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SignJwt(Keys().signer(), ordered_json::array()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, SigningInvalidUtf8OrHugeClaimsIsRefused) {
  ordered_json bad = Claims();
  bad["name"] = "\xff";
  EXPECT_EQ(SignJwt(Keys().signer(), bad).status().code(),
            StatusCode::kInvalidArgument);
  ordered_json huge = Claims();
  huge["name"] = std::string(kMaxJwtSize, 'a');
  EXPECT_EQ(SignJwt(Keys().signer(), huge).status().code(),
            StatusCode::kInvalidArgument);
}

// The payload segment of a token, decoded.
std::string PayloadOf(const std::string& token) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  return *Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
}

// Claims() written through a JwtClaimsWriter, member for member, with the
// values given here in place of the fixed ones where set.
JwtClaimsWriter WrittenClaims(const std::string& aud = "internal",
                              std::optional<std::string> name = "Ada",
                              std::optional<std::string> restricted = {}) {
  JwtClaimsWriter claims;
  claims.String("iss", kIssuer)
      .String("sub", "6c4b3a2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c")
      .String("aud", aud)
      .Int("iat", kNow)
      .Int("exp", kNow + 600)
      .String("project_id", "internal")
      .String("branch_id", "main")
      .String("refresh_token_id", "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
      .String("role", "authenticated")
      .StringOrNull("name", name)
      .StringOrNull("email", std::nullopt)
      .Bool("email_verified", false)
      .Null("selected_team_id")
      .Int("signed_up_at", kNow - 1000)
      .Bool("is_anonymous", false)
      .Bool("is_restricted", restricted.has_value());
  if (restricted.has_value()) {
    claims.BeginObject("restricted_reason")
        .String("type", *restricted)
        .EndObject();
  } else {
    claims.Null("restricted_reason");
  }
  claims.Bool("requires_totp_mfa", false);
  return claims;
}

TEST_F(JwtTest, WrittenClaimsSignTheSameBytesAsTheJsonTree) {
  ordered_json tree = Claims();
  EXPECT_EQ(PayloadOf(*SignJwt(Keys().signer(), WrittenClaims())),
            PayloadOf(Sign(tree)));
  // Escapes, non-ASCII text and a nested object too.
  const std::string odd = "q\"\\/\n\x01\x7f \xc3\xa9\xe2\x80\xa8";
  tree["name"] = odd;
  tree["is_restricted"] = true;
  tree["restricted_reason"] = ordered_json{{"type", "anonymous"}};
  JwtClaimsWriter same = WrittenClaims("internal", odd, "anonymous");
  EXPECT_EQ(PayloadOf(*SignJwt(Keys().signer(), std::move(same))),
            PayloadOf(Sign(tree)));
  JwtClaimsWriter negative;
  negative.String("aud", "internal").Int("n", -5).Int("zero", 0);
  EXPECT_EQ(PayloadOf(*SignJwt(Keys().signer(), std::move(negative))),
            R"({"aud":"internal","n":-5,"zero":0})");
}

TEST_F(JwtTest, WrittenClaimsVerify) {
  auto token = SignJwt(Keys().signer(), WrittenClaims());
  ASSERT_TRUE(token.ok()) << token.status();
  JwtVerification v = verifier_.Verify(*token, options_);
  ASSERT_TRUE(v.ok()) << JwtFailureName(v.failure) << " " << v.status;
  EXPECT_EQ(v.claims["name"], "Ada");
  EXPECT_TRUE(v.claims["email"].is_null());
}

TEST_F(JwtTest, WrittenClaimsAreCheckedAsTheTreeIs) {
  // Another audience's key, no aud, aud of another type or nested.
  EXPECT_EQ(
      SignJwt(Keys("internal:anon").signer(), WrittenClaims()).status().code(),
      StatusCode::kInvalidArgument);
  JwtClaimsWriter no_aud;
  no_aud.String("iss", kIssuer);
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(no_aud)).status().code(),
            StatusCode::kInvalidArgument);
  JwtClaimsWriter numeric_aud;
  numeric_aud.Int("aud", 1);
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(numeric_aud)).status().code(),
            StatusCode::kInvalidArgument);
  JwtClaimsWriter nested_aud;
  nested_aud.BeginObject("x").String("aud", "internal").EndObject();
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(nested_aud)).status().code(),
            StatusCode::kInvalidArgument);
  // A second aud, whichever comes first and of whatever type.
  JwtClaimsWriter two_auds = WrittenClaims();
  two_auds.String("aud", "internal");
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(two_auds)).status().code(),
            StatusCode::kInvalidArgument);
  JwtClaimsWriter other_aud_first;
  other_aud_first.String("aud", "other").String("aud", "internal");
  EXPECT_EQ(
      SignJwt(Keys().signer(), std::move(other_aud_first)).status().code(),
      StatusCode::kInvalidArgument);
  JwtClaimsWriter null_aud_first;
  null_aud_first.Null("aud").String("aud", "internal");
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(null_aud_first)).status().code(),
            StatusCode::kInvalidArgument);
  // An object left open, or closed without being opened.
  JwtClaimsWriter open = WrittenClaims();
  open.BeginObject("extra");
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(open)).status().code(),
            StatusCode::kInvalidArgument);
  JwtClaimsWriter closed = WrittenClaims();
  closed.EndObject();
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(closed)).status().code(),
            StatusCode::kInvalidArgument);
  // Invalid UTF-8 in a value or a name, and an oversized token.
  EXPECT_EQ(SignJwt(Keys().signer(), WrittenClaims("internal", "\xff"))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  JwtClaimsWriter bad_name = WrittenClaims();
  bad_name.Bool("\xc3", true);
  EXPECT_EQ(SignJwt(Keys().signer(), std::move(bad_name)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SignJwt(Keys().signer(),
                    WrittenClaims("internal", std::string(kMaxJwtSize, 'a')))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, OversizedTokenIsRejected) {
  std::string token = Sign(Claims());
  ExpectFailure(token + std::string(kMaxJwtSize, 'A'), JwtFailure::kTooLarge);
}

TEST_F(JwtTest, WrongSegmentCountIsRejected) {
  std::string token = Sign(Claims());
  ExpectFailure(token.substr(0, token.rfind('.')), JwtFailure::kMalformed);
  ExpectFailure(token + ".", JwtFailure::kMalformed);
  ExpectFailure(token + ".e30", JwtFailure::kMalformed);
  ExpectFailure("", JwtFailure::kMalformed);
  ExpectFailure("..", JwtFailure::kMalformed);
}

TEST_F(JwtTest, MalformedBase64IsRejected) {
  std::string token = Sign(Claims());
  ExpectFailure("=" + token, JwtFailure::kMalformed);
  size_t dot1 = token.find('.');
  ExpectFailure(token.substr(0, dot1 + 1) + "*" + token.substr(dot1 + 1),
                JwtFailure::kMalformed);
  ExpectFailure(token + "=", JwtFailure::kMalformed);
  // Standard-alphabet characters in the signature.
  std::string std_sig = token;
  std_sig.back() = '+';
  ExpectFailure(std_sig, JwtFailure::kMalformed);
}

TEST_F(JwtTest, NonCanonicalSignatureEncodingIsRejected) {
  // 64 bytes encode to 86 characters whose last carries 4 unused bits;
  // setting one makes a second spelling of the same signature.
  std::string token = Sign(Claims());
  char& last = token.back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  ExpectFailure(token, JwtFailure::kMalformed);
}

TEST_F(JwtTest, NonObjectHeaderOrPayloadIsRejected) {
  const SigningKey& key = Keys().signer();
  ExpectFailure(SignRaw(key, "[]", Claims().dump()), JwtFailure::kMalformed);
  ExpectFailure(SignRaw(key, "\"ES256\"", Claims().dump()),
                JwtFailure::kMalformed);
  ExpectFailure(SignRaw(key, Header(), "[1]"), JwtFailure::kMalformed);
  ExpectFailure(SignRaw(key, Header(), "not json"), JwtFailure::kMalformed);
}

TEST_F(JwtTest, DuplicateHeaderKeyIsRejected) {
  ExpectFailure(SignRaw(Keys().signer(),
                        R"({"alg":"ES256","kid":"M5zZLA6iQw2n","alg":"ES256"})",
                        Claims().dump()),
                JwtFailure::kMalformed);
}

TEST_F(JwtTest, DuplicatePayloadKeyIsRejected) {
  // Valid signature; a parser keeping the first "aud" and one keeping the
  // last would disagree about the audience.
  std::string payload = Claims().dump();
  payload.insert(1, R"("aud":"other",)");
  ExpectFailure(SignRaw(Keys().signer(), Header(), payload),
                JwtFailure::kMalformed);
}

TEST_F(JwtTest, AlgNoneIsRejected) {
  std::string token =
      Base64UrlEncode(R"({"alg":"none","kid":"M5zZLA6iQw2n"})") + "." +
      Base64UrlEncode(Claims().dump()) + ".";
  ExpectFailure(token, JwtFailure::kBadAlgorithm);
}

TEST_F(JwtTest, Hs256WithPublicKeyAsSecretIsRejected) {
  // The classic key-confusion forgery: HMAC keyed with the public key.
  const SigningKey& key = Keys().signer();
  std::string input =
      Base64UrlEncode(R"({"alg":"HS256","kid":"M5zZLA6iQw2n"})") + "." +
      Base64UrlEncode(Claims().dump());
  std::string mac = *HmacSha256("\x04" + key.x() + key.y(), input);
  ExpectFailure(input + "." + Base64UrlEncode(mac), JwtFailure::kBadAlgorithm);
}

TEST_F(JwtTest, OtherAlgorithmsAreRejectedEvenWithValidSignature) {
  const SigningKey& key = Keys().signer();
  for (const char* header :
       {R"({"alg":"RS256","kid":"M5zZLA6iQw2n"})",
        R"({"alg":"es256","kid":"M5zZLA6iQw2n"})",
        R"({"alg":"ES384","kid":"M5zZLA6iQw2n"})", R"({"kid":"M5zZLA6iQw2n"})",
        R"({"alg":["ES256"],"kid":"M5zZLA6iQw2n"})",
        R"({"alg":null,"kid":"M5zZLA6iQw2n"})"}) {
    ExpectFailure(SignRaw(key, header, Claims().dump()),
                  JwtFailure::kBadAlgorithm);
  }
}

TEST_F(JwtTest, CriticalHeaderIsRejected) {
  ExpectFailure(
      SignRaw(
          Keys().signer(),
          R"({"alg":"ES256","kid":"M5zZLA6iQw2n","crit":["b64"],"b64":false})",
          Claims().dump()),
      JwtFailure::kMalformed);
}

TEST_F(JwtTest, MissingOrUnknownKidIsRejected) {
  const SigningKey& key = Keys().signer();
  ExpectFailure(SignRaw(key, R"({"alg":"ES256"})", Claims().dump()),
                JwtFailure::kUnknownKid);
  ExpectFailure(SignRaw(key, Header("AAAAAAAAAAAA"), Claims().dump()),
                JwtFailure::kUnknownKid);
  ExpectFailure(SignRaw(key, R"({"alg":"ES256","kid":7})", Claims().dump()),
                JwtFailure::kMalformed);
}

TEST_F(JwtTest, KidOfAnotherAudienceIsUnknown) {
  // Signed by the anonymous audience's key but claiming the normal audience:
  // keys are looked up per audience, so an anonymous key cannot vouch for a
  // normal token.
  const SigningKey& anon_key = Keys("internal:anon").signer();
  ExpectFailure(SignRaw(anon_key, Header(anon_key.kid()), Claims().dump()),
                JwtFailure::kUnknownKid);
}

TEST_F(JwtTest, AudienceThatCannotHaveKeysIsRejectedBeforeDerivation) {
  const SigningKey& key = Keys().signer();
  ExpectFailure(SignRaw(key, Header(), Claims("evil").dump()),
                JwtFailure::kUnknownKid);
  ordered_json array_aud = Claims();
  array_aud["aud"] = {"internal"};
  ExpectFailure(SignRaw(key, Header(), array_aud.dump()),
                JwtFailure::kInvalidClaims);
  EXPECT_EQ(ring_->cached_audiences(), 1u);
}

TEST_F(JwtTest, TamperedPayloadIsRejected) {
  std::string token = Sign(Claims());
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  ordered_json evil = Claims();
  evil["sub"] = "00000000-0000-4000-8000-000000000000";
  std::string forged = token.substr(0, dot1 + 1) +
                       Base64UrlEncode(evil.dump()) + token.substr(dot2);
  JwtVerification v = verifier_.Verify(forged, options_);
  EXPECT_EQ(v.failure, JwtFailure::kBadSignature);
  EXPECT_EQ(v.status.code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(v.signature_verified);
  // Unverified claims are there for diagnostics, flagged as such.
  EXPECT_EQ(v.claims["sub"], "00000000-0000-4000-8000-000000000000");
}

TEST_F(JwtTest, TamperedOrTruncatedSignatureIsRejected) {
  std::string token = Sign(Claims());
  size_t dot2 = token.rfind('.');
  std::string sig = *Base64UrlDecode(token.substr(dot2 + 1));
  sig[10] ^= 0x40;
  ExpectFailure(token.substr(0, dot2 + 1) + Base64UrlEncode(sig),
                JwtFailure::kBadSignature);
  ExpectFailure(token.substr(0, dot2 + 1) + Base64UrlEncode(sig.substr(0, 63)),
                JwtFailure::kBadSignature);
  ExpectFailure(token.substr(0, dot2 + 1), JwtFailure::kBadSignature);
}

TEST_F(JwtTest, TokenFromAnotherServerSecretIsRejected) {
  auto other = MakeRing(kNewSecret);
  auto token = SignJwt((*other->KeysFor("internal"))->signer(), Claims());
  ASSERT_TRUE(token.ok());
  ExpectFailure(*token, JwtFailure::kUnknownKid);
}

TEST_F(JwtTest, ForgedExpiredTokenReportsBadSignatureNotExpiry) {
  std::string token =
      Sign(Claims("internal", kIssuer, kNow - 1000, kNow - 900));
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  ExpectFailure(token, JwtFailure::kBadSignature);
}

TEST_F(JwtTest, ExpiredTokenIsRejectedWithVerifiedClaims) {
  std::string token = Sign(Claims("internal", kIssuer, kNow - 700, kNow - 61));
  JwtVerification v = verifier_.Verify(token, options_);
  EXPECT_EQ(v.failure, JwtFailure::kExpired);
  EXPECT_EQ(v.status.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(v.signature_verified);
  EXPECT_EQ(v.expires_at, absl::FromUnixSeconds(kNow - 61));
  EXPECT_EQ(v.claims["refresh_token_id"],
            "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");
}

TEST_F(JwtTest, ExpiryHonoursLeewayUpToItsEdge) {
  std::string token = Sign(Claims("internal", kIssuer, kNow - 600, kNow));
  clock_.Set(absl::FromUnixSeconds(kNow + 59));
  EXPECT_TRUE(verifier_.Verify(token, options_).ok());
  clock_.Set(absl::FromUnixSeconds(kNow + 60));
  ExpectFailure(token, JwtFailure::kExpired);
}

TEST_F(JwtTest, ZeroLeewayVerifierIsStrict) {
  auto strict = JwtVerifier::Create(*ring_, clock_, absl::ZeroDuration());
  ASSERT_TRUE(strict.ok());
  std::string token = Sign(Claims("internal", kIssuer, kNow - 600, kNow));
  EXPECT_EQ(strict->Verify(token, options_).failure, JwtFailure::kExpired);
  clock_.Set(absl::FromUnixSeconds(kNow - 1));
  EXPECT_TRUE(strict->Verify(token, options_).ok());
}

TEST_F(JwtTest, LeewayAboveSixtySecondsIsRefused) {
  EXPECT_EQ(
      JwtVerifier::Create(*ring_, clock_, absl::Seconds(61)).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      JwtVerifier::Create(*ring_, clock_, absl::Seconds(-1)).status().code(),
      StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, TokenIssuedInTheFutureIsNotYetValid) {
  ExpectFailure(Sign(Claims("internal", kIssuer, kNow + 61, kNow + 600)),
                JwtFailure::kNotYetValid);
  EXPECT_TRUE(
      verifier_
          .Verify(Sign(Claims("internal", kIssuer, kNow + 59, kNow + 600)),
                  options_)
          .ok());
}

TEST_F(JwtTest, FutureNotBeforeIsNotYetValid) {
  ordered_json claims = Claims();
  claims["nbf"] = kNow + 120;
  ExpectFailure(Sign(claims), JwtFailure::kNotYetValid);
  claims["nbf"] = "soon";
  ExpectFailure(Sign(claims), JwtFailure::kInvalidClaims);
}

TEST_F(JwtTest, MissingOrMistypedTimeClaimsAreInvalid) {
  for (const char* name : {"exp", "iat", "iss"}) {
    ordered_json missing = Claims();
    missing.erase(name);
    ExpectFailure(Sign(missing), JwtFailure::kInvalidClaims);
    ordered_json mistyped = Claims();
    mistyped[name] = name == std::string("iss") ? ordered_json(5)
                                                : ordered_json("1700000600");
    ExpectFailure(Sign(mistyped), JwtFailure::kInvalidClaims);
  }
}

TEST_F(JwtTest, FractionalTimesAreAccepted) {
  ordered_json claims = Claims();
  claims["exp"] = kNow + 0.5 - 60;
  EXPECT_TRUE(verifier_.Verify(Sign(claims), options_).ok());
  claims["exp"] = kNow - 60.0;
  ExpectFailure(Sign(claims), JwtFailure::kExpired);
}

TEST_F(JwtTest, AnonymousTokenWhereOnlyNormalUsersAllowedIsWrongAudience) {
  std::string token = Sign(Claims("internal:anon", kAnonIssuer));
  ExpectFailure(token, JwtFailure::kWrongAudience);
  options_.allowed_audiences.push_back("internal:anon");
  options_.allowed_issuers.push_back(kAnonIssuer);
  EXPECT_TRUE(verifier_.Verify(token, options_).ok());
}

TEST_F(JwtTest, TokenOfAnotherProjectIsWrongAudience) {
  const std::string project = "0b9c6a2e-4d1f-4e8a-9c3b-7f5e2d1a6b4c";
  JwtVerification v = verifier_.Verify(Sign(Claims(project)), options_);
  EXPECT_EQ(v.failure, JwtFailure::kWrongAudience);
  EXPECT_TRUE(v.signature_verified);
  EXPECT_EQ(v.claims["aud"], project);
}

TEST_F(JwtTest, WrongIssuerIsRejected) {
  ExpectFailure(Sign(Claims("internal",
                            "https://evil.example/api/v1/projects/"
                            "internal")),
                JwtFailure::kWrongIssuer);
}

TEST_F(JwtTest, EmptyAllowListsAllowNothing) {
  std::string token = Sign(Claims());
  options_.allowed_audiences.clear();
  ExpectFailure(token, JwtFailure::kWrongAudience);
  options_.allowed_audiences = {"internal"};
  options_.allowed_issuers.clear();
  ExpectFailure(token, JwtFailure::kWrongIssuer);
}

TEST_F(JwtTest, PreviousSecretTokensStillVerifyAfterRotation) {
  std::string old_token = Sign(Claims());
  auto rotated = MakeRing(kNewSecret, kSecret);
  auto verifier = JwtVerifier::Create(*rotated, clock_);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->Verify(old_token, options_).ok());
  // New tokens are signed by the new secret's scheme-1 key.
  auto new_token = SignJwt((*rotated->KeysFor("internal"))->signer(), Claims());
  ASSERT_TRUE(new_token.ok());
  EXPECT_TRUE(verifier->Verify(*new_token, options_).ok());
  ExpectFailure(*new_token, JwtFailure::kUnknownKid);
}

TEST_F(JwtTest, FailureNamesAreStable) {
  EXPECT_EQ(JwtFailureName(JwtFailure::kBadSignature), "bad_signature");
  EXPECT_EQ(JwtFailureName(JwtFailure::kExpired), "expired");
  EXPECT_EQ(JwtFailureName(JwtFailure::kNone), "none");
}

}  // namespace
}  // namespace latchkey::crypto
