// libFuzzer target: OpenID Connect id_token validation (service/core/
// oidc_id_token.h), what sign-in with an external provider trusts. The
// first byte picks the mode:
//  0: the rest is the id_token, checked against the provider's key set;
//  1: the rest is a claims object, signed by the provider's key (so the
//     claim checks after the signature are reached);
//  2: the rest is the provider's JWK Set, checking a good token.
// Properties: nothing crashes; a refusal is UNAUTHENTICATED or NOT_FOUND;
// an accepted token has a subject.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "crypto/jws_test_signer.h"
#include "service/core/oidc_id_token.h"

namespace core = latchkey::service::core;

namespace {

constexpr int64_t kNow = 1'700'000'000;

struct Provider {
  Provider() : signer("ES256", "key-1") {
    expected.issuer = "https://idp.example";
    expected.client_id = "client-1";
    expected.nonce = "nonce-1";
    expected.access_token = "access-1";
    expected.now = absl::FromUnixSeconds(kNow);
    jwks = signer.jwks();
    good_token = signer.Sign({{"iss", "https://idp.example"},
                              {"sub", "alice"},
                              {"aud", "client-1"},
                              {"exp", kNow + 300},
                              {"iat", kNow - 10},
                              {"nonce", "nonce-1"}});
  }
  latchkey::crypto::TestJwsSigner signer;
  core::IdTokenExpectations expected;
  nlohmann::json jwks;
  std::string good_token;
};

void Check(const absl::StatusOr<core::IdTokenClaims>& result) {
  if (result.ok()) {
    if (result->sub.empty()) std::abort();
    return;
  }
  const absl::StatusCode code = result.status().code();
  if (code != absl::StatusCode::kUnauthenticated &&
      code != absl::StatusCode::kNotFound) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Provider* provider = new Provider();
  if (size == 0 || size > 16384) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      Check(core::ValidateIdToken(rest, provider->jwks, provider->expected));
      break;
    case 1: {
      nlohmann::json claims =
          nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (claims.is_discarded()) return 0;
      std::string token;
      try {
        token = provider->signer.Sign(claims);
      } catch (const nlohmann::json::exception&) {
        return 0;  // not serialisable (invalid UTF-8): no provider sends it
      }
      Check(core::ValidateIdToken(token, provider->jwks, provider->expected));
      break;
    }
    default: {
      nlohmann::json jwks =
          nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (jwks.is_discarded()) return 0;
      Check(core::ValidateIdToken(provider->good_token, jwks,
                                  provider->expected));
      break;
    }
  }
  return 0;
}
