#include "crypto/jws.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

// A key pair made for the test, with its public JWK, that signs as `alg`.
struct TestKey {
  std::string alg;
  EVP_PKEY* pkey = nullptr;
  nlohmann::json jwk;
  ~TestKey() { EVP_PKEY_free(pkey); }
};

std::string BnBytes(EVP_PKEY* key, const char* name, size_t pad = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  if (out.size() < pad) out.insert(0, pad - out.size(), '\0');
  return out;
}

std::unique_ptr<TestKey> MakeKey(const std::string& alg,
                                 const std::string& kid) {
  auto key = std::make_unique<TestKey>();
  key->alg = alg;
  if (alg[0] == 'R' || alg[0] == 'P') {
    key->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    key->jwk = {
        {"kty", "RSA"},
        {"n", Base64UrlEncode(BnBytes(key->pkey, OSSL_PKEY_PARAM_RSA_N))},
        {"e", Base64UrlEncode(BnBytes(key->pkey, OSSL_PKEY_PARAM_RSA_E))}};
  } else if (alg == "ES256") {
    key->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    key->jwk = {
        {"kty", "EC"},
        {"crv", "P-256"},
        {"x",
         Base64UrlEncode(BnBytes(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
        {"y",
         Base64UrlEncode(BnBytes(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  } else {
    key->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    unsigned char raw[32];
    size_t length = sizeof(raw);
    EVP_PKEY_get_raw_public_key(key->pkey, raw, &length);
    key->jwk = {{"kty", "OKP"},
                {"crv", "Ed25519"},
                {"x", Base64UrlEncode(
                          std::string(reinterpret_cast<char*>(raw), length))}};
  }
  key->jwk["kid"] = kid;
  return key;
}

const EVP_MD* MdFor(const std::string& alg) {
  if (alg == "EdDSA") return nullptr;
  if (alg.substr(2) == "384") return EVP_sha384();
  if (alg.substr(2) == "512") return EVP_sha512();
  return EVP_sha256();
}

std::string Sign(const TestKey& key, const nlohmann::json& header,
                 const nlohmann::json& claims) {
  const std::string input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, MdFor(key.alg), nullptr, key.pkey);
  if (key.alg[0] == 'P') {
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
  if (key.alg == "ES256") {
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

const nlohmann::json kClaims = {{"iss", "https://idp.example"},
                                {"sub", "alice"}};

TEST(JwsTest, EveryAlgorithmVerifiesWithItsKey) {
  for (const std::string alg :
       {"RS256", "RS384", "RS512", "PS256", "ES256", "EdDSA"}) {
    auto key = MakeKey(alg, "k1");
    const nlohmann::json jwks = {{"keys", {key->jwk}}};
    const std::string token =
        Sign(*key, {{"alg", alg}, {"kid", "k1"}}, kClaims);
    absl::StatusOr<VerifiedJws> verified = VerifyJwsWithJwks(token, jwks);
    ASSERT_TRUE(verified.ok()) << alg << ": " << verified.status();
    EXPECT_EQ(verified->alg, alg);
    EXPECT_EQ(verified->claims["sub"], "alice");
  }
}

TEST(JwsTest, ATamperedPayloadOrSignatureFails) {
  auto key = MakeKey("RS256", "k1");
  const nlohmann::json jwks = {{"keys", {key->jwk}}};
  const std::string token =
      Sign(*key, {{"alg", "RS256"}, {"kid", "k1"}}, kClaims);
  const size_t dot = token.find('.');
  const std::string other_claims = Base64UrlEncode(
      nlohmann::json({{"iss", "https://idp.example"}, {"sub", "mallory"}})
          .dump());
  const std::string swapped =
      token.substr(0, dot + 1) + other_claims + token.substr(token.rfind('.'));
  EXPECT_EQ(VerifyJwsWithJwks(swapped, jwks).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string flipped = token;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyJwsWithJwks(flipped, jwks).ok());
}

TEST(JwsTest, AnotherKeysSignatureFails) {
  auto signer = MakeKey("ES256", "k1");
  auto published = MakeKey("ES256", "k1");
  const nlohmann::json jwks = {{"keys", {published->jwk}}};
  EXPECT_EQ(VerifyJwsWithJwks(
                Sign(*signer, {{"alg", "ES256"}, {"kid", "k1"}}, kClaims), jwks)
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(JwsTest, NoneAndHmacAreRefused) {
  auto key = MakeKey("RS256", "k1");
  const nlohmann::json jwks = {{"keys", {key->jwk}}};
  for (const char* alg : {"none", "HS256", "RS1", ""}) {
    const std::string token =
        Base64UrlEncode(nlohmann::json({{"alg", alg}, {"kid", "k1"}}).dump()) +
        "." + Base64UrlEncode(kClaims.dump()) + ".";
    EXPECT_EQ(VerifyJwsWithJwks(token, jwks).status().code(),
              absl::StatusCode::kUnauthenticated)
        << alg;
  }
}

TEST(JwsTest, KeySelection) {
  auto k1 = MakeKey("RS256", "k1");
  auto k2 = MakeKey("RS256", "k2");
  const std::string by_k2 =
      Sign(*k2, {{"alg", "RS256"}, {"kid", "k2"}}, kClaims);
  // The kid picks the key among several.
  EXPECT_TRUE(VerifyJwsWithJwks(by_k2, {{"keys", {k1->jwk, k2->jwk}}}).ok());
  // An unknown kid: NOT_FOUND, so the caller may refetch the set.
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {k1->jwk}}}).status().code(),
            absl::StatusCode::kNotFound);
  // A key for encryption, or for another algorithm, is never used.
  nlohmann::json enc = k2->jwk;
  enc["use"] = "enc";
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {enc}}}).status().code(),
            absl::StatusCode::kNotFound);
  nlohmann::json other_alg = k2->jwk;
  other_alg["alg"] = "PS256";
  EXPECT_EQ(VerifyJwsWithJwks(by_k2, {{"keys", {other_alg}}}).status().code(),
            absl::StatusCode::kNotFound);
  // Without a kid: the only fitting key, never a guess among several.
  const std::string no_kid = Sign(*k2, {{"alg", "RS256"}}, kClaims);
  EXPECT_TRUE(VerifyJwsWithJwks(no_kid, {{"keys", {k2->jwk}}}).ok());
  EXPECT_EQ(
      VerifyJwsWithJwks(no_kid, {{"keys", {k1->jwk, k2->jwk}}}).status().code(),
      absl::StatusCode::kNotFound);
}

TEST(JwsTest, MalformedTokensAreInvalidArgument) {
  const nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (const std::string& token :
       {std::string("a.b"), std::string("a.b.c.d"), std::string("!!.e30.x"),
        Base64UrlEncode("[1]") + ".e30.", std::string(20000, 'a')}) {
    EXPECT_EQ(VerifyJwsWithJwks(token, jwks).status().code(),
              absl::StatusCode::kInvalidArgument)
        << token.substr(0, 40);
  }
  const std::string crit =
      Base64UrlEncode(R"({"alg":"RS256","crit":["b64"]})") + ".e30.";
  EXPECT_EQ(VerifyJwsWithJwks(crit, jwks).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JwsTest, LeftHalfHash) {
  // The left 16 bytes of SHA-256, base64url.
  EXPECT_EQ(*OidcLeftHalfHash("RS256", "an-access-token"),
            Base64UrlEncode(Sha256("an-access-token").substr(0, 16)));
  EXPECT_EQ(OidcLeftHalfHash("RS384", "x")->size(), 32u);  // 24 bytes
  EXPECT_FALSE(OidcLeftHalfHash("HS256", "x").ok());
}

}  // namespace
}  // namespace latchkey::crypto
