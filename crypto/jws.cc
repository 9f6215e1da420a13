#include "crypto/jws.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "crypto/encoding.h"
#include "crypto/openssl_ptrs.h"
#include "crypto/strict_json.h"

namespace latchkey::crypto {
namespace {

constexpr size_t kMaxTokenSize = 16384;

using openssl::BldFree;
using openssl::BnFree;
using openssl::BnPtr;
using openssl::MdCtxFree;
using openssl::ParamFree;
using openssl::PkeyCtxFree;
using openssl::PkeyPtr;
using openssl::SigFree;

enum class Family { kRsa, kRsaPss, kEc, kEd25519 };

struct AlgSpec {
  Family family;
  const EVP_MD* (*md)();  // null for EdDSA
  const char* curve;      // EC only: the JWK "crv"
  const char* group;      // EC only: OpenSSL's group name
  size_t coordinate;      // EC only: bytes per coordinate
};

std::optional<AlgSpec> SpecFor(std::string_view alg) {
  if (alg == "RS256") return AlgSpec{Family::kRsa, EVP_sha256, "", "", 0};
  if (alg == "RS384") return AlgSpec{Family::kRsa, EVP_sha384, "", "", 0};
  if (alg == "RS512") return AlgSpec{Family::kRsa, EVP_sha512, "", "", 0};
  if (alg == "PS256") return AlgSpec{Family::kRsaPss, EVP_sha256, "", "", 0};
  if (alg == "PS384") return AlgSpec{Family::kRsaPss, EVP_sha384, "", "", 0};
  if (alg == "PS512") return AlgSpec{Family::kRsaPss, EVP_sha512, "", "", 0};
  if (alg == "ES256") {
    return AlgSpec{Family::kEc, EVP_sha256, "P-256", "prime256v1", 32};
  }
  if (alg == "ES384") {
    return AlgSpec{Family::kEc, EVP_sha384, "P-384", "secp384r1", 48};
  }
  if (alg == "ES512") {
    return AlgSpec{Family::kEc, EVP_sha512, "P-521", "secp521r1", 66};
  }
  if (alg == "EdDSA") return AlgSpec{Family::kEd25519, nullptr, "", "", 0};
  return std::nullopt;
}

std::optional<std::string> Member(const nlohmann::json& object,
                                  const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::unique_ptr<BIGNUM, BnFree> Bignum(const std::string& bytes) {
  return std::unique_ptr<BIGNUM, BnFree>(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                static_cast<int>(bytes.size()), nullptr));
}

PkeyPtr FromData(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    return nullptr;
  }
  return PkeyPtr(key);
}

// The public key of one JWK for `spec`, or null when it does not fit.
PkeyPtr KeyOf(const nlohmann::json& jwk, const AlgSpec& spec) {
  const std::optional<std::string> kty = Member(jwk, "kty");
  if (!kty.has_value()) return nullptr;
  if (spec.family == Family::kRsa || spec.family == Family::kRsaPss) {
    if (*kty != "RSA") return nullptr;
    std::optional<std::string> n = Member(jwk, "n"), e = Member(jwk, "e");
    if (!n || !e) return nullptr;
    absl::StatusOr<std::string> nb = Base64UrlDecode(*n),
                                eb = Base64UrlDecode(*e);
    if (!nb.ok() || !eb.ok() || nb->size() < 256) return nullptr;  // >= 2048
    auto bn_n = Bignum(*nb), bn_e = Bignum(*eb);
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
            1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
            1) {
      return nullptr;
    }
    return FromData("RSA", bld.get());
  }
  if (spec.family == Family::kEc) {
    if (*kty != "EC" || Member(jwk, "crv") != spec.curve) return nullptr;
    std::optional<std::string> x = Member(jwk, "x"), y = Member(jwk, "y");
    if (!x || !y) return nullptr;
    absl::StatusOr<std::string> xb = Base64UrlDecode(*x),
                                yb = Base64UrlDecode(*y);
    if (!xb.ok() || !yb.ok() || xb->size() != spec.coordinate ||
        yb->size() != spec.coordinate) {
      return nullptr;
    }
    const std::string point = "\x04" + *xb + *yb;
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                        spec.group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                         point.data(), point.size()) != 1) {
      return nullptr;
    }
    return FromData("EC", bld.get());
  }
  // Ed25519.
  if (*kty != "OKP" || Member(jwk, "crv") != "Ed25519") return nullptr;
  std::optional<std::string> x = Member(jwk, "x");
  if (!x) return nullptr;
  absl::StatusOr<std::string> xb = Base64UrlDecode(*x);
  if (!xb.ok() || xb->size() != 32) return nullptr;
  return PkeyPtr(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(xb->data()), xb->size()));
}

// r || s (JWS) -> DER (OpenSSL).
std::optional<std::string> EcdsaDer(const std::string& raw, size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()),
                        static_cast<int>(half), nullptr);
  BIGNUM* s =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool Verify(EVP_PKEY* key, const AlgSpec& spec, std::string_view input,
            const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, spec.md ? spec.md() : nullptr,
                           nullptr, key) != 1) {
    return false;
  }
  if (spec.family == Family::kRsaPss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  std::string der;
  const std::string* sig = &signature;
  if (spec.family == Family::kEc) {
    std::optional<std::string> converted = EcdsaDer(signature, spec.coordinate);
    if (!converted.has_value()) return false;
    der = *std::move(converted);
    sig = &der;
  }
  return EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
             sig->size(), reinterpret_cast<const unsigned char*>(input.data()),
             input.size()) == 1;
}

}  // namespace

absl::StatusOr<VerifiedJws> VerifyJwsWithJwks(std::string_view token,
                                              const nlohmann::json& jwks) {
  if (token.size() > kMaxTokenSize) {
    return absl::InvalidArgumentError("The token is too large.");
  }
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos
                                            ? std::string_view::npos
                                            : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("The token is not three segments.");
  }
  absl::StatusOr<std::string> header_text = Base64UrlDecode(parts[0]);
  absl::StatusOr<std::string> claims_text = Base64UrlDecode(parts[1]);
  absl::StatusOr<std::string> signature = Base64UrlDecode(parts[2]);
  if (!header_text.ok() || !claims_text.ok() || !signature.ok()) {
    return absl::InvalidArgumentError("The token is not base64url.");
  }
  absl::StatusOr<nlohmann::json> header = ParseStrictJsonObject(*header_text);
  absl::StatusOr<nlohmann::json> claims = ParseStrictJsonObject(*claims_text);
  if (!header.ok() || !claims.ok()) {
    return absl::InvalidArgumentError("The token's JSON is malformed.");
  }
  if (header->contains("crit")) {
    return absl::InvalidArgumentError("The token has critical extensions.");
  }
  const std::optional<std::string> alg = Member(*header, "alg");
  if (!alg.has_value()) {
    return absl::InvalidArgumentError("The token names no algorithm.");
  }
  const std::optional<AlgSpec> spec = SpecFor(*alg);
  if (!spec.has_value()) {
    return absl::UnauthenticatedError("The token's algorithm is not accepted.");
  }
  const std::optional<std::string> kid = Member(*header, "kid");
  auto keys = jwks.is_object() ? jwks.find("keys") : jwks.end();
  if (!jwks.is_object() || keys == jwks.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("The key set is not a JWK Set.");
  }
  std::vector<PkeyPtr> candidates;
  for (const nlohmann::json& jwk : *keys) {
    if (!jwk.is_object()) continue;
    if (kid.has_value() && Member(jwk, "kid") != kid) continue;
    if (std::optional<std::string> use = Member(jwk, "use");
        use.has_value() && *use != "sig") {
      continue;
    }
    if (std::optional<std::string> key_alg = Member(jwk, "alg");
        key_alg.has_value() && *key_alg != *alg) {
      continue;
    }
    if (PkeyPtr key = KeyOf(jwk, *spec); key != nullptr) {
      candidates.push_back(std::move(key));
    }
  }
  // Without a kid the choice must be unambiguous.
  if (candidates.empty() || (!kid.has_value() && candidates.size() != 1)) {
    return absl::NotFoundError("No key of the set fits the token.");
  }
  const std::string_view input =
      token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!Verify(candidates.front().get(), *spec, input, *signature)) {
    return absl::UnauthenticatedError("The token's signature does not verify.");
  }
  return VerifiedJws{*alg, *std::move(header), *std::move(claims)};
}

absl::StatusOr<std::string> OidcLeftHalfHash(std::string_view alg,
                                             std::string_view value) {
  const EVP_MD* md = nullptr;
  if (alg == "RS256" || alg == "PS256" || alg == "ES256" || alg == "EdDSA") {
    md = EVP_sha256();
  } else if (alg == "RS384" || alg == "PS384" || alg == "ES384") {
    md = EVP_sha384();
  } else if (alg == "RS512" || alg == "PS512" || alg == "ES512") {
    md = EVP_sha512();
  } else {
    return absl::InvalidArgumentError("No hash is defined for this algorithm.");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(value.data(), value.size(), digest, &length, md, nullptr) !=
      1) {
    return absl::InternalError("EVP_Digest failed");
  }
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<char*>(digest), length / 2));
}

}  // namespace latchkey::crypto
