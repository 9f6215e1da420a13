#include "crypto/ecdsa_der.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using Bytes = std::vector<uint8_t>;

std::string_view View(const Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// What OpenSSL writes for r || s: the reference EcdsaRawToDer must match.
Bytes OpenSslDer(const Bytes& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  EXPECT_EQ(ECDSA_SIG_set0(sig, r, s), 1);
  unsigned char* out = nullptr;
  int len = i2d_ECDSA_SIG(sig, &out);
  EXPECT_GT(len, 0);
  Bytes der(out, out + len);
  OPENSSL_free(out);
  ECDSA_SIG_free(sig);
  return der;
}

// r || s as OpenSSL reads `der`, or empty if it refuses it.
Bytes OpenSslRaw(const Bytes& der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  Bytes raw(64);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  bool fits = BN_bn2binpad(r, raw.data(), 32) == 32 &&
              BN_bn2binpad(s, raw.data() + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  return fits ? raw : Bytes{};
}

Bytes ToDer(const Bytes& raw) {
  Bytes der(kEcdsaP256MaxDerSize);
  der.resize(EcdsaRawToDer(raw.data(), der.data()));
  return der;
}

// Scalars with the shapes that change the encoding: zero, leading zero
// bytes, the top bit set or clear, all ones.
std::vector<Bytes> EdgeScalars() {
  std::vector<Bytes> out;
  out.push_back(Bytes(32, 0x00));
  out.push_back(Bytes(32, 0xff));
  out.push_back(Bytes(32, 0x7f));
  out.push_back(Bytes(32, 0x80));
  Bytes one(32, 0x00);
  one[31] = 0x01;
  out.push_back(one);
  Bytes high_last(32, 0x00);
  high_last[31] = 0x80;
  out.push_back(high_last);
  for (size_t zeros : {1, 2, 15, 30}) {
    Bytes b(32, 0x5a);
    for (size_t i = 0; i < zeros; ++i) b[i] = 0;
    out.push_back(b);
    b[zeros] = 0x93;  // Top bit set after the zeros.
    out.push_back(b);
  }
  return out;
}

TEST(EcdsaDerTest, RawToDerMatchesOpenSslAndRoundTrips) {
  std::vector<Bytes> scalars = EdgeScalars();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    Bytes b(32);
    for (auto& byte : b) byte = static_cast<uint8_t>(rng());
    scalars.push_back(b);
  }
  for (const Bytes& r : scalars) {
    for (const Bytes& s : EdgeScalars()) {
      for (bool swap : {false, true}) {
        Bytes raw = swap ? s : r;
        const Bytes& second = swap ? r : s;
        raw.insert(raw.end(), second.begin(), second.end());
        Bytes der = ToDer(raw);
        ASSERT_EQ(der, OpenSslDer(raw));
        ASSERT_LE(der.size(), kEcdsaP256MaxDerSize);
        Bytes back(64, 0xee);
        ASSERT_TRUE(EcdsaDerToRaw(View(der), back.data()));
        EXPECT_EQ(back, raw);
      }
    }
  }
}

TEST(EcdsaDerTest, DerToRawAgreesWithOpenSslOnMutations) {
  // Every single-byte change and truncation of a few encodings: whatever we
  // accept, OpenSSL reads as the same numbers (we may refuse more, e.g.
  // non-minimal encodings, never less).
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    Bytes raw(64);
    for (auto& byte : raw) byte = static_cast<uint8_t>(rng());
    if (round % 3 == 0) raw[0] = 0;
    if (round % 4 == 0) raw[32] = 0x80;
    const Bytes der = ToDer(raw);
    for (size_t i = 0; i < der.size(); ++i) {
      for (int delta : {1, 0x7f, 0x80, 0xff}) {
        Bytes mutated = der;
        mutated[i] = static_cast<uint8_t>(mutated[i] + delta);
        Bytes ours(64);
        if (EcdsaDerToRaw(View(mutated), ours.data())) {
          EXPECT_EQ(ours, OpenSslRaw(mutated)) << "byte " << i;
        }
      }
      Bytes truncated(der.begin(), der.begin() + i);
      Bytes ours(64);
      EXPECT_FALSE(EcdsaDerToRaw(View(truncated), ours.data())) << i;
    }
  }
}

TEST(EcdsaDerTest, DerToRawRefusesMalformedInput) {
  const Bytes kBad[] = {
      {},
      {0x30},
      {0x30, 0x00},
      {0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},  // SET, not SEQUENCE.
      {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},  // Length too long.
      {0x30, 0x05, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},  // Length too short.
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00},  // Trailing.
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x03, 0x01, 0x01},  // Not an INTEGER.
      {0x30, 0x06, 0x02, 0x00, 0x02, 0x01, 0x01, 0x00},  // Empty INTEGER.
      {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01},  // Negative r.
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0xff},  // Negative s.
      {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01},  // Not minimal.
      {0x30, 0x03, 0x02, 0x01, 0x01},                          // Only r.
      {0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},
      {0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},  // Long form.
      {0x30, 0x06, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01},        // Long form.
  };
  for (const Bytes& der : kBad) {
    Bytes raw(64);
    EXPECT_FALSE(EcdsaDerToRaw(View(der), raw.data()))
        << "case of " << der.size() << " bytes";
  }
  // 33 bytes without the sign padding: above 2^256.
  Bytes big = {0x30, 0x26, 0x02, 0x21, 0x01};
  big.insert(big.end(), 32, 0x00);
  big.insert(big.end(), {0x02, 0x01, 0x01});
  Bytes raw(64);
  EXPECT_FALSE(EcdsaDerToRaw(View(big), raw.data()));
  // 34 content bytes, even with a zero first.
  Bytes longer = {0x30, 0x27, 0x02, 0x22, 0x00, 0x00};
  longer.insert(longer.end(), 32, 0xff);
  longer.insert(longer.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(EcdsaDerToRaw(View(longer), raw.data()));
}

TEST(EcdsaDerTest, DerToRawReadsSmallAndPaddedScalars) {
  // r = 1, s = 0x80 (sign padding).
  const Bytes der = {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};
  Bytes raw(64, 0xee);
  ASSERT_TRUE(EcdsaDerToRaw(View(der), raw.data()));
  Bytes expected(64, 0x00);
  expected[31] = 0x01;
  expected[63] = 0x80;
  EXPECT_EQ(raw, expected);
}

}  // namespace
}  // namespace latchkey::crypto
