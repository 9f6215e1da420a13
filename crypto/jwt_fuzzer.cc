// libFuzzer target: the JWT parser and verifier (crypto/jwt.h). The first
// byte picks the mode:
//  even: the rest is a token, verified as an access token of the internal
//        project. Seeds (testdata/fuzz/jwt_fuzzer) include genuine tokens of
//        the fixed test secret, so mutations start past the signature.
//  odd:  the rest is a claims object, signed with the project's current key
//        (its aud forced to the key's audience) and verified, which reaches
//        the claim checks that only run after a good signature.
// Properties: never kInternal; a token we signed never fails as malformed
// or badly signed; a refusal is never OK and vice versa; a signed token's
// payload is byte for byte nlohmann's strict compact dump of the claims,
// and claims that dump refuses (invalid UTF-8) are never signed; whatever
// the quick JSON parser accepts (a token's header and payload, and the
// claims text itself), nlohmann's strict parse accepts with the same tree.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/encoding.h"
#include "crypto/jwt.h"
#include "crypto/signing_keys.h"
#include "crypto/strict_json.h"

namespace crypto = latchkey::crypto;

namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

struct Fixture {
  Fixture() : clock(absl::FromUnixSeconds(1'700'000'000)) {
    crypto::KeyRing::Options options;
    options.current_secret = kSecret;
    ring = *crypto::KeyRing::Create(options);
    keys = *ring->KeysFor("internal");
    verify.allowed_audiences = {"internal", "internal:anon"};
    verify.allowed_issuers = {
        "https://auth.example/api/v1/projects/internal",
        "https://auth.example/api/v1/projects-anonymous-users/internal"};
  }
  latchkey::common::FakeClock clock;
  std::unique_ptr<crypto::KeyRing> ring;
  std::shared_ptr<const crypto::AudienceKeys> keys;
  crypto::JwtVerifyOptions verify;
};

void Check(const crypto::JwtVerification& v) {
  if (v.failure == crypto::JwtFailure::kInternal) std::abort();
  if (v.ok() != v.status.ok()) std::abort();
}

void CheckParsersAgree(std::string_view text) {
  std::optional<nlohmann::json> simple =
      crypto::internal::ParseSimpleJsonObject(text);
  if (!simple.has_value()) return;
  absl::StatusOr<nlohmann::json> reference =
      crypto::internal::ParseJsonObjectWithNlohmann(text);
  if (!reference.ok() || !crypto::internal::IdenticalJson(*simple, *reference))
    std::abort();
}

// The JSON of a token's header and payload, where they decode.
void CheckSegments(std::string_view token) {
  for (int i = 0; i < 2; ++i) {
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos) return;
    absl::StatusOr<std::string> text =
        crypto::Base64UrlDecode(token.substr(0, dot));
    if (text.ok()) CheckParsersAgree(*text);
    token.remove_prefix(dot + 1);
  }
}

int Depth(const nlohmann::ordered_json& value) {
  int deepest = 0;
  if (value.is_structured()) {
    for (const auto& child : value) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  static const crypto::JwtVerifier verifier =
      *crypto::JwtVerifier::Create(*fixture->ring, fixture->clock);
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    Check(verifier.Verify(rest, fixture->verify));
    CheckSegments(rest);
    return 0;
  }
  CheckParsersAgree(rest);
  nlohmann::ordered_json claims =
      nlohmann::ordered_json::parse(rest, nullptr, /*allow_exceptions=*/false);
  // Deeper than the verifier's strict parser allows: refused as malformed
  // by design, whoever signed it.
  if (!claims.is_object() || Depth(claims) > crypto::kMaxJsonDepth) return 0;
  claims["aud"] = "internal";
  std::optional<std::string> dumped;
  try {
    dumped = claims.dump(-1, ' ', /*ensure_ascii=*/false,
                         nlohmann::ordered_json::error_handler_t::strict);
  } catch (const nlohmann::ordered_json::exception&) {
  }
  absl::StatusOr<std::string> token =
      crypto::SignJwt(fixture->keys->signer(), claims);
  if (!token.ok()) return 0;
  const size_t dot1 = token->find('.');
  const size_t dot2 = token->find('.', dot1 + 1);
  absl::StatusOr<std::string> payload =
      crypto::Base64UrlDecode(token->substr(dot1 + 1, dot2 - dot1 - 1));
  if (!dumped.has_value() || !payload.ok() || *payload != *dumped) {
    std::abort();
  }
  crypto::JwtVerification v = verifier.Verify(*token, fixture->verify);
  Check(v);
  if (v.failure == crypto::JwtFailure::kMalformed ||
      v.failure == crypto::JwtFailure::kBadSignature ||
      v.failure == crypto::JwtFailure::kUnknownKid) {
    std::abort();
  }
  return 0;
}
