#include "crypto/jwt.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/ecdsa_der.h"
#include "crypto/encoding.h"
#include "crypto/strict_json.h"

namespace latchkey::crypto {
namespace {

using json = nlohmann::json;

// The header of every token we sign is kHeaderPrefix + kid + kHeaderSuffix.
constexpr std::string_view kHeaderPrefix = "{\"alg\":\"ES256\",\"kid\":\"";
constexpr std::string_view kHeaderSuffix = "\"}";

// Length of the unpadded base64url encoding of `n` bytes.
constexpr size_t Base64UrlSize(size_t n) {
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A JSON number as a point in time (NumericDate, seconds since the epoch).
std::optional<absl::Time> NumericDate(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  // Through double: exact for every realistic date, and no overflow for
  // absurd ones (absl::Seconds saturates to an infinite duration).
  return absl::UnixEpoch() + absl::Seconds(it->get<double>());
}

}  // namespace

namespace {

// Finishes a token whose claims' JSON is `scratch` (and nothing after it):
// appends the header's JSON to the same buffer, then encodes and signs.
absl::StatusOr<std::string> SignClaimsJson(const SigningKey& key,
                                           std::string scratch) {
  // The kid is base64url, so it needs no JSON escaping.
  const size_t claims_size = scratch.size();
  scratch.append(kHeaderPrefix).append(key.kid()).append(kHeaderSuffix);
  const std::string_view claims_json(scratch.data(), claims_size);
  const std::string_view header_json =
      std::string_view(scratch).substr(claims_size);
  const size_t token_size = Base64UrlSize(header_json.size()) + 1 +
                            Base64UrlSize(claims_json.size()) + 1 +
                            Base64UrlSize(kEcdsaP256RawSize);
  // Known before signing, so an oversized token costs no signature.
  if (token_size > kMaxJwtSize) {
    return absl::InvalidArgumentError("JWT would exceed the size limit");
  }
  std::string token;
  token.reserve(token_size);
  AppendBase64Url(header_json, &token);
  token.push_back('.');
  AppendBase64Url(claims_json, &token);
  LATCHKEY_ASSIGN_OR_RETURN(std::string signature, key.SignEs256(token));
  token.push_back('.');
  AppendBase64Url(signature, &token);
  return token;
}

absl::Status WrongAudience() {
  return absl::InvalidArgumentError(
      "JWT aud claim must equal the signing key's audience");
}

// Room for the claims' JSON and the header after it, so that neither
// reallocates for a usual token.
constexpr size_t kScratchReserve = 1024;

}  // namespace

absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    const nlohmann::ordered_json& claims) {
  if (!claims.is_object()) {
    return absl::InvalidArgumentError("JWT claims must be a JSON object");
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !aud->is_string() ||
      aud->get_ref<const std::string&>() != key.audience()) {
    return WrongAudience();
  }
  // Exactly as nlohmann's strict compact dump writes it.
  std::string json;
  json.reserve(kScratchReserve);
  if (!AppendCompactJson(claims, &json).ok()) {
    return absl::InvalidArgumentError("JWT claims are not valid UTF-8");
  }
  return SignClaimsJson(key, std::move(json));
}

JwtClaimsWriter::JwtClaimsWriter() : has_members_{false} {
  json_.reserve(kScratchReserve);
  json_.push_back('{');
}

void JwtClaimsWriter::Fail(std::string_view message) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(std::string(message));
}

void JwtClaimsWriter::Name(std::string_view name) {
  if (has_members_.size() == 1 && name == "aud") {
    // Parsers disagree on which of two auds counts: refuse the token.
    if (aud_written_) Fail("JWT claims name aud twice");
    aud_written_ = true;
  }
  if (has_members_.back()) json_.push_back(',');
  has_members_.back() = true;
  Text(name);
  json_.push_back(':');
}

void JwtClaimsWriter::Text(std::string_view value) {
  if (!AppendJsonStringifiedString(value, &json_).ok()) {
    Fail("JWT claims are not valid UTF-8");
  }
}

JwtClaimsWriter& JwtClaimsWriter::String(std::string_view name,
                                         std::string_view value) {
  if (has_members_.size() == 1 && name == "aud") audience_ = std::string(value);
  Name(name);
  Text(value);
  return *this;
}

JwtClaimsWriter& JwtClaimsWriter::StringOrNull(
    std::string_view name, const std::optional<std::string>& value) {
  return value.has_value() ? String(name, *value) : Null(name);
}

JwtClaimsWriter& JwtClaimsWriter::Int(std::string_view name, int64_t value) {
  Name(name);
  absl::StrAppend(&json_, value);
  return *this;
}

JwtClaimsWriter& JwtClaimsWriter::Bool(std::string_view name, bool value) {
  Name(name);
  json_.append(value ? "true" : "false");
  return *this;
}

JwtClaimsWriter& JwtClaimsWriter::Null(std::string_view name) {
  Name(name);
  json_.append("null");
  return *this;
}

JwtClaimsWriter& JwtClaimsWriter::BeginObject(std::string_view name) {
  Name(name);
  json_.push_back('{');
  has_members_.push_back(false);
  return *this;
}

JwtClaimsWriter& JwtClaimsWriter::EndObject() {
  // The top level is closed by SignJwt, never here.
  if (has_members_.size() == 1) {
    Fail("JWT claims close an object that was not opened");
    return *this;
  }
  has_members_.pop_back();
  json_.push_back('}');
  return *this;
}

absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    JwtClaimsWriter claims) {
  if (!claims.status_.ok()) return claims.status_;
  if (claims.has_members_.size() != 1) {
    return absl::InvalidArgumentError("JWT claims left an object open");
  }
  if (!claims.audience_.has_value() || *claims.audience_ != key.audience()) {
    return WrongAudience();
  }
  claims.json_.push_back('}');
  return SignClaimsJson(key, std::move(claims.json_));
}

std::string_view JwtFailureName(JwtFailure failure) {
  switch (failure) {
    case JwtFailure::kNone:
      return "none";
    case JwtFailure::kTooLarge:
      return "too_large";
    case JwtFailure::kMalformed:
      return "malformed";
    case JwtFailure::kBadAlgorithm:
      return "bad_algorithm";
    case JwtFailure::kUnknownKid:
      return "unknown_kid";
    case JwtFailure::kBadSignature:
      return "bad_signature";
    case JwtFailure::kInvalidClaims:
      return "invalid_claims";
    case JwtFailure::kExpired:
      return "expired";
    case JwtFailure::kNotYetValid:
      return "not_yet_valid";
    case JwtFailure::kWrongAudience:
      return "wrong_audience";
    case JwtFailure::kWrongIssuer:
      return "wrong_issuer";
    case JwtFailure::kInternal:
      return "internal";
  }
  return "unknown";
}

absl::StatusOr<JwtVerifier> JwtVerifier::Create(const KeyRing& keys,
                                                const common::Clock& clock,
                                                absl::Duration leeway) {
  if (leeway < absl::ZeroDuration() || leeway > kMaxJwtLeeway) {
    return absl::InvalidArgumentError("JWT leeway must be within [0, 60s]");
  }
  return JwtVerifier(keys, clock, leeway);
}

JwtVerification JwtVerifier::Verify(std::string_view token,
                                    const JwtVerifyOptions& options) const {
  JwtVerification result;
  // Records a refusal; the caller returns the result right away.
  auto fail = [&result](JwtFailure failure,
                        const char* message) -> JwtVerification {
    result.failure = failure;
    result.status = failure == JwtFailure::kInternal
                        ? absl::InternalError(message)
                        : absl::UnauthenticatedError(message);
    return std::move(result);
  };
  if (token.size() > kMaxJwtSize) {
    return fail(JwtFailure::kTooLarge, "JWT too large");
  }
  size_t dot1 = token.find('.');
  size_t dot2 =
      dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos ||
      token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtFailure::kMalformed, "JWT must have three segments");
  }
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signature_b64 = token.substr(dot2 + 1);

  // Header.
  auto header_text = Base64UrlDecode(header_b64);
  if (!header_text.ok()) {
    return fail(JwtFailure::kMalformed, "JWT header encoding");
  }
  auto header = ParseStrictJsonObject(*header_text);
  if (!header.ok()) {
    return fail(JwtFailure::kMalformed, "JWT header JSON");
  }
  result.header = *std::move(header);
  auto alg = result.header.find("alg");
  if (alg == result.header.end() || !alg->is_string() ||
      alg->get_ref<const std::string&>() != "ES256") {
    return fail(JwtFailure::kBadAlgorithm, "JWT algorithm is not ES256");
  }
  // RFC 7515 4.1.11: extensions we do not understand must be refused.
  if (result.header.contains("crit")) {
    return fail(JwtFailure::kMalformed, "JWT has critical extensions");
  }
  auto kid = result.header.find("kid");
  if (kid == result.header.end()) {
    return fail(JwtFailure::kUnknownKid, "JWT has no kid");
  }
  if (!kid->is_string()) {
    return fail(JwtFailure::kMalformed, "JWT kid not a string");
  }

  // Payload: parsed now only to learn which audience's keys to try.
  auto payload_text = Base64UrlDecode(payload_b64);
  if (!payload_text.ok()) {
    return fail(JwtFailure::kMalformed, "JWT payload encoding");
  }
  auto claims = ParseStrictJsonObject(*payload_text);
  if (!claims.ok()) {
    return fail(JwtFailure::kMalformed, "JWT payload JSON");
  }
  result.claims = *std::move(claims);
  result.expires_at = NumericDate(result.claims, "exp");
  auto aud = result.claims.find("aud");
  if (aud == result.claims.end() || !aud->is_string()) {
    return fail(JwtFailure::kInvalidClaims, "JWT aud is not a string");
  }
  const std::string& audience = aud->get_ref<const std::string&>();
  if (!IsValidAudience(audience)) {
    return fail(JwtFailure::kUnknownKid, "JWT audience has no keys");
  }

  // Key and signature.
  auto keys = keys_->KeysFor(audience);
  if (!keys.ok()) {
    return fail(JwtFailure::kInternal, "key derivation");
  }
  const SigningKey* key =
      (*keys)->FindByKid(kid->get_ref<const std::string&>());
  if (key == nullptr) {
    return fail(JwtFailure::kUnknownKid, "JWT kid unknown");
  }
  auto signature = Base64UrlDecode(signature_b64);
  if (!signature.ok()) {
    return fail(JwtFailure::kMalformed, "JWT signature encoding");
  }
  absl::Status signature_status =
      key->VerifyEs256(token.substr(0, dot2), *signature);
  if (signature_status.code() == absl::StatusCode::kInternal) {
    return fail(JwtFailure::kInternal, "signature check");
  }
  if (!signature_status.ok()) {
    return fail(JwtFailure::kBadSignature, "JWT signature invalid");
  }
  result.signature_verified = true;

  // Claims, now trustworthy.
  std::optional<absl::Time> iat = NumericDate(result.claims, "iat");
  auto nbf_it = result.claims.find("nbf");
  auto iss = result.claims.find("iss");
  if (!result.expires_at.has_value() || !iat.has_value() ||
      (nbf_it != result.claims.end() && !nbf_it->is_number()) ||
      iss == result.claims.end() || !iss->is_string()) {
    return fail(JwtFailure::kInvalidClaims,
                "JWT exp, iat, nbf or iss missing or mistyped");
  }
  const absl::Time now = clock_->Now();
  if (now >= *result.expires_at + leeway_) {
    return fail(JwtFailure::kExpired, "JWT expired");
  }
  std::optional<absl::Time> nbf = NumericDate(result.claims, "nbf");
  if (*iat > now + leeway_ || (nbf.has_value() && *nbf > now + leeway_)) {
    return fail(JwtFailure::kNotYetValid, "JWT not valid yet");
  }
  if (!Contains(options.allowed_audiences, audience)) {
    return fail(JwtFailure::kWrongAudience, "JWT audience not allowed");
  }
  if (!Contains(options.allowed_issuers, iss->get_ref<const std::string&>())) {
    return fail(JwtFailure::kWrongIssuer, "JWT issuer not allowed");
  }
  result.status = absl::OkStatus();
  return result;
}

}  // namespace latchkey::crypto
