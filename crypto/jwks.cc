#include "crypto/jwks.h"

#include "common/status_macros.h"
#include "crypto/encoding.h"

namespace latchkey::crypto {

std::vector<std::string> JwksAudiences(std::string_view project_id,
                                       JwksInclude include) {
  std::string project(project_id);
  std::vector<std::string> audiences = {project};
  if (include.restricted || include.anonymous) {
    audiences.push_back(project + ":restricted");
  }
  if (include.anonymous) audiences.push_back(project + ":anon");
  return audiences;
}

nlohmann::ordered_json PublicJwk(const SigningKey& key) {
  // SigningKey keeps x and y padded to 32 bytes already.
  return nlohmann::ordered_json{{"kty", "EC"},
                                {"crv", "P-256"},
                                {"alg", "ES256"},
                                {"kid", key.kid()},
                                {"x", Base64UrlEncode(key.x())},
                                {"y", Base64UrlEncode(key.y())}};
}

absl::StatusOr<std::string> BuildJwks(
    const KeyRing& keys, const std::vector<std::string>& audiences) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const std::string& audience : audiences) {
    LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const AudienceKeys> audience_keys,
                              keys.KeysFor(audience));
    for (const auto& key : audience_keys->keys) list.push_back(PublicJwk(*key));
  }
  nlohmann::ordered_json jwks = {{"keys", std::move(list)}};
  // Every string here is ASCII (base64url and fixed names), so dump cannot
  // throw.
  return jwks.dump();
}

}  // namespace latchkey::crypto
