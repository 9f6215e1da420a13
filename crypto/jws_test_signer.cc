#include "crypto/jws_test_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdlib>

#include "crypto/encoding.h"

namespace latchkey::crypto {
namespace {

std::string BnBytes(EVP_PKEY* key, const char* name, size_t pad = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  if (out.size() < pad) out.insert(0, pad - out.size(), '\0');
  return out;
}

const EVP_MD* MdFor(const std::string& alg) {
  if (alg == "EdDSA") return nullptr;
  if (alg.substr(2) == "384") return EVP_sha384();
  if (alg.substr(2) == "512") return EVP_sha512();
  return EVP_sha256();
}

std::string SignWith(EVP_PKEY* pkey, const std::string& alg,
                     const nlohmann::json& header,
                     const nlohmann::json& claims) {
  const std::string input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, MdFor(alg), nullptr, pkey);
  if (alg[0] == 'P') {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t length = 0;
  EVP_DigestSign(ctx, nullptr, &length,
                 reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string signature(length, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()),
                 &length, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  signature.resize(length);
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256") {
    // DER -> r || s.
    const unsigned char* p =
        reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig),
                 reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig),
                 reinterpret_cast<unsigned char*>(raw.data() + 32), 32);
    ECDSA_SIG_free(sig);
    signature = raw;
  }
  return input + "." + Base64UrlEncode(signature);
}

}  // namespace

struct TestJwsSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TestJwsSigner::TestJwsSigner(const std::string& alg, const std::string& kid)
    : alg_(alg), kid_(kid), key_(std::make_unique<Key>()) {
  EVP_PKEY*& pkey = key_->pkey;
  if (alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    if (pkey == nullptr) std::abort();
    jwk_ = {{"kty", "RSA"},
            {"n", Base64UrlEncode(BnBytes(pkey, OSSL_PKEY_PARAM_RSA_N))},
            {"e", Base64UrlEncode(BnBytes(pkey, OSSL_PKEY_PARAM_RSA_E))}};
  } else if (alg == "ES256") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (pkey == nullptr) std::abort();
    jwk_ = {
        {"kty", "EC"},
        {"crv", "P-256"},
        {"x", Base64UrlEncode(BnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
        {"y", Base64UrlEncode(BnBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  } else if (alg == "EdDSA") {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (pkey == nullptr) std::abort();
    unsigned char raw[32];
    size_t length = sizeof(raw);
    EVP_PKEY_get_raw_public_key(pkey, raw, &length);
    jwk_ = {{"kty", "OKP"},
            {"crv", "Ed25519"},
            {"x", Base64UrlEncode(
                      std::string(reinterpret_cast<char*>(raw), length))}};
  } else {
    std::abort();
  }
  jwk_["kid"] = kid;
}

TestJwsSigner::~TestJwsSigner() = default;

nlohmann::json TestJwsSigner::jwks() const {
  return {{"keys", nlohmann::json::array({jwk_})}};
}

std::string TestJwsSigner::Sign(const nlohmann::json& header,
                                const nlohmann::json& claims) const {
  return SignWith(key_->pkey, alg_, header, claims);
}

std::string TestJwsSigner::Sign(const nlohmann::json& claims) const {
  return Sign({{"alg", alg_}, {"kid", kid_}}, claims);
}

}  // namespace latchkey::crypto
