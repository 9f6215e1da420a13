#include "crypto/p256_fixed_key_verifier.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "crypto/concurrent_rounds.h"
#include "crypto/ecdsa_der.h"
#include "crypto/openssl_ptrs.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;
using openssl::BnCtxPtr;
using openssl::BnPtr;
using openssl::EcGroupPtr;
using openssl::EcPointPtr;
using openssl::PkeyCtxPtr;
using openssl::PkeyPtr;

using Digest = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

std::string Bytes32(const BIGNUM* bn) {
  std::string out(32, '\0');
  EXPECT_EQ(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32),
            32);
  return out;
}

BnPtr Bn(const uint8_t* bytes, size_t size = 32) {
  return BnPtr(BN_bin2bn(bytes, static_cast<int>(size), nullptr));
}

const BIGNUM* Order() {
  static const EC_GROUP* group =
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return EC_GROUP_get0_order(group);
}

Digest RandomDigest() {
  Digest d;
  EXPECT_EQ(RAND_bytes(d.data(), d.size()), 1);
  return d;
}

// A fresh P-256 key held by OpenSSL, the reference verifier here.
struct TestKey {
  TestKey() : pkey(EVP_EC_gen(SN_X9_62_prime256v1)) {
    BIGNUM* raw = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &raw),
              1);
    x = Bytes32(raw);
    BN_free(raw);
    raw = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &raw),
              1);
    y = Bytes32(raw);
    BN_free(raw);
    raw = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw),
              1);
    d.reset(raw);
  }

  Signature Sign(const Digest& digest) const {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    uint8_t der[kEcdsaP256MaxDerSize];
    size_t der_len = sizeof(der);
    Signature raw{};
    EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
    EXPECT_EQ(
        EVP_PKEY_sign(ctx.get(), der, &der_len, digest.data(), digest.size()),
        1);
    EXPECT_TRUE(EcdsaDerToRaw(
        std::string_view(reinterpret_cast<const char*>(der), der_len),
        raw.data()));
    return raw;
  }

  // OpenSSL's own verdict on (digest, r || s).
  bool OpenSslVerifies(const Digest& digest, const Signature& sig) const {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    uint8_t der[kEcdsaP256MaxDerSize];
    const size_t der_len = EcdsaRawToDer(sig.data(), der);
    EXPECT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
    return EVP_PKEY_verify(ctx.get(), der, der_len, digest.data(),
                           digest.size()) == 1;
  }

  std::unique_ptr<P256FixedKeyVerifier> Verifier() const {
    auto v = P256FixedKeyVerifier::Create(x, y);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : nullptr;
  }

  PkeyPtr pkey;
  std::string x, y;
  BnPtr d;
};

Signature WithS(const Signature& sig, const BIGNUM* s) {
  Signature out = sig;
  EXPECT_EQ(BN_bn2binpad(s, out.data() + 32, 32), 32);
  return out;
}

Signature WithR(const Signature& sig, const BIGNUM* r) {
  Signature out = sig;
  EXPECT_EQ(BN_bn2binpad(r, out.data(), 32), 32);
  return out;
}

// One fresh key and its verifier per test.
class P256FixedKeyVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier_ = key_.Verifier();
    ASSERT_NE(verifier_, nullptr);
  }

  // Our verifier and OpenSSL both give `expected` for (digest, sig).
  void ExpectVerdict(bool expected, const Digest& digest,
                     const Signature& sig) const {
    EXPECT_EQ(verifier_->Verify(digest.data(), sig.data()), expected);
    EXPECT_EQ(key_.OpenSslVerifies(digest, sig), expected);
  }

  TestKey key_;
  std::unique_ptr<P256FixedKeyVerifier> verifier_;
};

TEST(P256FixedKeyVerifierManyKeysTest,
     AgreesWithOpenSslOnGenuineAndTamperedInput) {
  for (int k = 0; k < 8; ++k) {
    const TestKey key;
    auto verifier = key.Verifier();
    ASSERT_NE(verifier, nullptr);
    for (int i = 0; i < 16; ++i) {
      Digest digest = RandomDigest();
      Signature sig = key.Sign(digest);
      EXPECT_TRUE(verifier->Verify(digest.data(), sig.data()));
      EXPECT_TRUE(key.OpenSslVerifies(digest, sig));
      // One flipped bit anywhere in the signature or the digest.
      const int bit = (k * 16 + i) * 7 % 512;
      Signature bad_sig = sig;
      bad_sig[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      EXPECT_EQ(verifier->Verify(digest.data(), bad_sig.data()),
                key.OpenSslVerifies(digest, bad_sig));
      EXPECT_FALSE(verifier->Verify(digest.data(), bad_sig.data()));
      Digest bad_digest = digest;
      bad_digest[i] ^= 0x80;
      EXPECT_FALSE(verifier->Verify(bad_digest.data(), sig.data()));
    }
  }
}

TEST_F(P256FixedKeyVerifierTest, AnotherKeysSignatureIsRejected) {
  const TestKey other;
  const Digest digest = RandomDigest();
  ExpectVerdict(false, digest, other.Sign(digest));
}

// ECDSA signatures are malleable: (r, n - s) verifies too. JWS does not
// forbid it and OpenSSL accepts it, so the two must agree.
TEST_F(P256FixedKeyVerifierTest, HighSIsAcceptedAsOpenSslAcceptsIt) {
  const Digest digest = RandomDigest();
  const Signature sig = key_.Sign(digest);
  BnPtr s = Bn(sig.data() + 32);
  BnPtr flipped(BN_new());
  ASSERT_EQ(BN_sub(flipped.get(), Order(), s.get()), 1);
  ExpectVerdict(true, digest, WithS(sig, flipped.get()));
}

TEST_F(P256FixedKeyVerifierTest, RAndSOutsideOneToOrderAreRejected) {
  const Digest digest = RandomDigest();
  const Signature sig = key_.Sign(digest);
  BnPtr zero(BN_new());
  BN_zero(zero.get());
  BnPtr order_plus_one(BN_dup(Order()));
  ASSERT_EQ(BN_add_word(order_plus_one.get(), 1), 1);
  BnPtr all_ones(BN_new());
  ASSERT_EQ(BN_set_bit(all_ones.get(), 256), 1);
  ASSERT_EQ(BN_sub_word(all_ones.get(), 1), 1);
  for (const BIGNUM* bad : std::initializer_list<const BIGNUM*>{
           zero.get(), Order(), order_plus_one.get(), all_ones.get()}) {
    ExpectVerdict(false, digest, WithR(sig, bad));
    ExpectVerdict(false, digest, WithS(sig, bad));
  }
}

// A digest of 0, or of n itself, makes u1 = e/s zero mod n: the G part of
// the sum is the point at infinity. OpenSSL signs and verifies these; so
// must we.
TEST_F(P256FixedKeyVerifierTest, DigestThatIsZeroModOrderVerifies) {
  Digest zero{};
  Digest order{};
  ASSERT_EQ(BN_bn2binpad(Order(), order.data(), 32), 32);
  for (const Digest& digest : {zero, order}) {
    ExpectVerdict(true, digest, key_.Sign(digest));
  }
}

// With the private key d we can pick r = -e/d (mod n): then
// u1*G + u2*Q = (e + r*d)/s * G is the point at infinity, which has no x
// coordinate, and the signature must fail (as it does in OpenSSL).
TEST_F(P256FixedKeyVerifierTest, SumAtInfinityIsRejected) {
  BnCtxPtr ctx(BN_CTX_new());
  Digest digest = RandomDigest();
  BnPtr e = Bn(digest.data());
  BnPtr d_inverse(BN_mod_inverse(nullptr, key_.d.get(), Order(), ctx.get()));
  ASSERT_NE(d_inverse, nullptr);
  BnPtr r(BN_new());
  ASSERT_EQ(BN_mod_mul(r.get(), e.get(), d_inverse.get(), Order(), ctx.get()),
            1);
  ASSERT_EQ(BN_mod_sub(r.get(), Order(), r.get(), Order(), ctx.get()), 1);
  ASSERT_FALSE(BN_is_zero(r.get()));
  BnPtr s(BN_new());
  ASSERT_EQ(BN_set_word(s.get(), 12345), 1);
  Signature sig{};
  sig = WithS(WithR(sig, r.get()), s.get());

  // The construction really lands on infinity: check with OpenSSL's points.
  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  EcPointPtr q(EC_POINT_new(group.get()));
  EcPointPtr sum(EC_POINT_new(group.get()));
  ASSERT_EQ(EC_POINT_mul(group.get(), q.get(), key_.d.get(), nullptr, nullptr,
                         ctx.get()),
            1);
  ASSERT_EQ(EC_POINT_mul(group.get(), sum.get(), e.get(), q.get(), r.get(),
                         ctx.get()),
            1);  // e*G + r*Q = (e + r*d)*G
  ASSERT_EQ(EC_POINT_is_at_infinity(group.get(), sum.get()), 1);

  ExpectVerdict(false, digest, sig);
}

TEST_F(P256FixedKeyVerifierTest, BadPublicKeysAreRejected) {
  const TestKey& key = key_;
  EXPECT_EQ(
      P256FixedKeyVerifier::Create(key.x.substr(1), key.y).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(P256FixedKeyVerifier::Create(key.x, key.y + "x").status().code(),
            StatusCode::kInvalidArgument);
  std::string off_curve = key.y;
  off_curve[31] ^= 1;
  EXPECT_EQ(P256FixedKeyVerifier::Create(key.x, off_curve).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      P256FixedKeyVerifier::Create(std::string(32, '\0'), std::string(32, '\0'))
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

// One verifier shared by many threads (each with its own BN_CTX) must give
// every thread the right answers.
TEST_F(P256FixedKeyVerifierTest, ConcurrentVerificationsStayCorrect) {
  constexpr int kRounds = 25;
  std::vector<Digest> digests;
  std::vector<Signature> sigs;
  digests.reserve(kRounds);
  sigs.reserve(kRounds);
  for (int i = 0; i < kRounds; ++i) {
    digests.push_back(RandomDigest());
    sigs.push_back(key_.Sign(digests.back()));
  }
  const std::vector<int> failures = testing::FailuresPerThread(
      /*threads=*/8, kRounds, [&](int, int i) {
        const Signature& other = sigs[(i + 1) % kRounds];
        return verifier_->Verify(digests[i].data(), sigs[i].data()) &&
               !verifier_->Verify(digests[i].data(), other.data());
      });
  EXPECT_EQ(failures, std::vector<int>(8, 0));
}

}  // namespace
}  // namespace latchkey::crypto
