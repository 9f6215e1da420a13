#include "service/core/oidc_id_token.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crypto/hashing.h"
#include "crypto/jws.h"

namespace latchkey::service::core {
namespace {

absl::Status Refused(absl::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("The provider's id_token was refused: ", why, "."));
}

std::optional<std::string> StringClaim(const nlohmann::json& claims,
                                       const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<double> NumberClaim(const nlohmann::json& claims,
                                  const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

absl::StatusOr<IdTokenClaims> ValidateIdToken(
    std::string_view id_token, const nlohmann::json& jwks,
    const IdTokenExpectations& expected) {
  absl::StatusOr<crypto::VerifiedJws> jws =
      crypto::VerifyJwsWithJwks(id_token, jwks);
  if (!jws.ok()) {
    if (jws.status().code() == absl::StatusCode::kNotFound) return jws.status();
    return Refused(jws.status().message());
  }
  const nlohmann::json& claims = jws->claims;

  if (StringClaim(claims, "iss") != expected.issuer) {
    return Refused("iss is not the provider's issuer");
  }
  auto aud = claims.find("aud");
  bool audience_ok = false;
  bool several_audiences = false;
  if (aud != claims.end() && aud->is_string()) {
    audience_ok = aud->get<std::string>() == expected.client_id;
  } else if (aud != claims.end() && aud->is_array()) {
    several_audiences = aud->size() > 1;
    for (const auto& item : *aud) {
      if (item.is_string() && item.get<std::string>() == expected.client_id) {
        audience_ok = true;
      }
    }
  }
  if (!audience_ok) return Refused("aud does not name this client");
  const std::optional<std::string> azp = StringClaim(claims, "azp");
  if ((several_audiences || claims.contains("azp")) &&
      azp != expected.client_id) {
    return Refused("azp is not this client");
  }
  const double now =
      static_cast<double>(absl::ToUnixMillis(expected.now)) / 1000.0;
  const double leeway = absl::ToDoubleSeconds(expected.leeway);
  const std::optional<double> exp = NumberClaim(claims, "exp");
  if (!exp.has_value()) return Refused("exp is missing");
  if (now >= *exp + leeway) return Refused("it has expired");
  const std::optional<double> iat = NumberClaim(claims, "iat");
  if (!iat.has_value()) return Refused("iat is missing");
  if (*iat > now + leeway) return Refused("iat is in the future");
  if (StringClaim(claims, "nonce") != expected.nonce) {
    return Refused("nonce does not match the one sent");
  }
  if (claims.contains("at_hash") && expected.access_token.has_value()) {
    absl::StatusOr<std::string> want =
        crypto::OidcLeftHalfHash(jws->alg, *expected.access_token);
    const std::optional<std::string> got = StringClaim(claims, "at_hash");
    if (!want.ok() || !got.has_value() ||
        !crypto::ConstantTimeEquals(*got, *want)) {
      return Refused("at_hash does not match the access token");
    }
  }
  IdTokenClaims out;
  const std::optional<std::string> sub = StringClaim(claims, "sub");
  if (!sub.has_value() || sub->empty()) return Refused("sub is missing");
  out.sub = *sub;
  out.email = StringClaim(claims, "email");
  auto verified = claims.find("email_verified");
  // Some providers send the boolean as a string.
  out.email_verified =
      verified != claims.end() &&
      ((verified->is_boolean() && verified->get<bool>()) ||
       (verified->is_string() && verified->get<std::string>() == "true"));
  out.name = StringClaim(claims, "name");
  out.picture = StringClaim(claims, "picture");
  return out;
}

}  // namespace latchkey::service::core
