// EC_GROUP_precompute_mult is deprecated in OpenSSL 3 (the EC_GROUP API
// stays, the provider API has no equivalent) but is the only way to ask
// OpenSSL for a multiplication table of a point other than the standard
// base point. Where a build of OpenSSL drops it, Create reports
// UNIMPLEMENTED and callers keep OpenSSL's own verification.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/p256_fixed_key_verifier.h"

#include <gmp.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <memory>
#include <string>
#include <utility>

#include "crypto/openssl_ptrs.h"

namespace latchkey::crypto {
namespace {

using openssl::BnCtxPtr;
using openssl::BnPtr;
using openssl::EcGroupPtr;
using openssl::EcPointPtr;

absl::Status OpenSslError(std::string_view what) {
  ERR_clear_error();
  return absl::InternalError(std::string(what) + " failed in OpenSSL");
}

// One BN_CTX per thread: it caches the temporaries a verification needs, so
// a call allocates only its two result points.
BN_CTX* ThreadBnCtx() {
  thread_local BnCtxPtr ctx(BN_CTX_new());
  return ctx.get();
}

// w = s^-1 mod n. OpenSSL's ECDSA inverts s with an internal routine it
// does not export; its public BN_mod_inverse takes about 11 us for 256 bits
// on our machines, GMP's mpz_invert under 1 us, and the inverse is a third
// of what a verification costs otherwise. Neither value is secret, so a
// variable-time inverse is fine. False if s has no inverse (s = 0 mod n).
class OrderInverter {
 public:
  OrderInverter() {
    mpz_init2(n_, 256);
    mpz_init2(s_, 256);
    mpz_init2(w_, 256);
    // The order n of P-256 (SEC 2, section 2.4.2).
    mpz_set_str(
        n_, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
        16);
  }
  ~OrderInverter() {
    mpz_clear(n_);
    mpz_clear(s_);
    mpz_clear(w_);
  }
  OrderInverter(const OrderInverter&) = delete;
  OrderInverter& operator=(const OrderInverter&) = delete;

  // `s` is 32 bytes, big-endian.
  bool Invert(const uint8_t* s, BIGNUM* w) {
    mpz_import(s_, 32, 1, 1, 0, 0, s);
    if (mpz_invert(w_, s_, n_) == 0) return false;
    unsigned char bytes[32];
    size_t written = 0;
    // At most 32 bytes, since w < n; most significant first, no padding.
    mpz_export(bytes, &written, 1, 1, 0, 0, w_);
    return BN_bin2bn(bytes, static_cast<int>(written), w) != nullptr;
  }

 private:
  mpz_t n_, s_, w_;
};

// One inverter per thread: it keeps its numbers' storage between calls.
OrderInverter& ThreadInverter() {
  thread_local OrderInverter inverter;
  return inverter;
}

// Scope for BN_CTX_start/BN_CTX_end.
class BnCtxFrame {
 public:
  explicit BnCtxFrame(BN_CTX* ctx) : ctx_(ctx) { BN_CTX_start(ctx_); }
  ~BnCtxFrame() { BN_CTX_end(ctx_); }
  BnCtxFrame(const BnCtxFrame&) = delete;
  BnCtxFrame& operator=(const BnCtxFrame&) = delete;

 private:
  BN_CTX* ctx_;
};

}  // namespace

struct P256FixedKeyVerifier::Groups {
  // P-256 as OpenSSL ships it: generator G and OpenSSL's built-in table.
  EcGroupPtr standard;
  // The same curve with the public key Q as generator and a table built
  // for it.
  EcGroupPtr key_as_generator;
};

P256FixedKeyVerifier::P256FixedKeyVerifier(std::unique_ptr<Groups> groups)
    : groups_(std::move(groups)) {}

P256FixedKeyVerifier::~P256FixedKeyVerifier() = default;

absl::StatusOr<std::unique_ptr<P256FixedKeyVerifier>>
P256FixedKeyVerifier::Create(std::string_view x, std::string_view y) {
  if (x.size() != kCoordinateSize || y.size() != kCoordinateSize) {
    return absl::InvalidArgumentError(
        "P-256 public key coordinates must be 32 bytes each");
  }
#ifdef OPENSSL_NO_DEPRECATED_3_0
  return absl::UnimplementedError(
      "this OpenSSL has no EC_GROUP_precompute_mult");
#else
  auto groups = std::make_unique<Groups>();
  groups->standard.reset(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  groups->key_as_generator.reset(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtxPtr ctx(BN_CTX_new());
  if (!groups->standard || !groups->key_as_generator || !ctx) {
    return OpenSslError("P-256 setup");
  }
  BnPtr bx(BN_bin2bn(reinterpret_cast<const unsigned char*>(x.data()),
                     kCoordinateSize, nullptr));
  BnPtr by(BN_bin2bn(reinterpret_cast<const unsigned char*>(y.data()),
                     kCoordinateSize, nullptr));
  EcPointPtr q(EC_POINT_new(groups->key_as_generator.get()));
  if (!bx || !by || !q) return OpenSslError("P-256 point allocation");
  // Refuses a point off the curve (and so the point at infinity, which has
  // no affine coordinates).
  if (EC_POINT_set_affine_coordinates(groups->key_as_generator.get(), q.get(),
                                      bx.get(), by.get(), ctx.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("public key is not a point on P-256");
  }
  // P-256 has prime order n and cofactor 1, so every point but infinity
  // generates the whole group: Q is a generator of order n.
  BnPtr order(BN_dup(EC_GROUP_get0_order(groups->standard.get())));
  if (!order ||
      EC_GROUP_set_generator(groups->key_as_generator.get(), q.get(),
                             order.get(), BN_value_one()) != 1 ||
      EC_GROUP_precompute_mult(groups->key_as_generator.get(), ctx.get()) !=
          1 ||
      EC_GROUP_have_precompute_mult(groups->key_as_generator.get()) != 1) {
    return OpenSslError("precomputation for the public key");
  }
  return std::unique_ptr<P256FixedKeyVerifier>(
      new P256FixedKeyVerifier(std::move(groups)));
#endif
}

bool P256FixedKeyVerifier::Verify(const uint8_t* digest,
                                  const uint8_t* signature) const {
  const EC_GROUP* standard = groups_->standard.get();
  const EC_GROUP* key_group = groups_->key_as_generator.get();
  BN_CTX* ctx = ThreadBnCtx();
  if (ctx == nullptr) return false;
  BnCtxFrame frame(ctx);
  BIGNUM* r = BN_CTX_get(ctx);
  BIGNUM* s = BN_CTX_get(ctx);
  BIGNUM* e = BN_CTX_get(ctx);
  BIGNUM* w = BN_CTX_get(ctx);
  BIGNUM* u1 = BN_CTX_get(ctx);
  BIGNUM* u2 = BN_CTX_get(ctx);
  BIGNUM* x = BN_CTX_get(ctx);
  // BN_CTX_get fails only by returning null for the last and later calls.
  if (x == nullptr || BN_bin2bn(signature, kCoordinateSize, r) == nullptr ||
      BN_bin2bn(signature + kCoordinateSize, kCoordinateSize, s) == nullptr ||
      BN_bin2bn(digest, kDigestSize, e) == nullptr) {
    ERR_clear_error();
    return false;
  }
  const BIGNUM* n = EC_GROUP_get0_order(standard);
  if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, n) >= 0 ||
      BN_cmp(s, n) >= 0) {
    return false;
  }
  // n is prime and 0 < s < n, so the inverse exists.
  EcPointPtr sum(EC_POINT_new(standard));
  EcPointPtr key_part(EC_POINT_new(key_group));
  const bool ok =
      sum && key_part &&
      ThreadInverter().Invert(signature + kCoordinateSize, w) &&
      BN_mod_mul(u1, e, w, n, ctx) == 1 && BN_mod_mul(u2, r, w, n, ctx) == 1 &&
      // u1*G from OpenSSL's table for G, u2*Q from ours for Q.
      EC_POINT_mul(standard, sum.get(), u1, nullptr, nullptr, ctx) == 1 &&
      EC_POINT_mul(key_group, key_part.get(), u2, nullptr, nullptr, ctx) == 1 &&
      // Both groups are the same curve with the same arithmetic; only the
      // generator differs, so their points add in either.
      EC_POINT_add(standard, sum.get(), sum.get(), key_part.get(), ctx) == 1 &&
      // The point at infinity has no x: a signature that lands there fails.
      EC_POINT_is_at_infinity(standard, sum.get()) == 0 &&
      EC_POINT_get_affine_coordinates(standard, sum.get(), x, nullptr, ctx) ==
          1 &&
      BN_nnmod(x, x, n, ctx) == 1;
  if (!ok) {
    ERR_clear_error();
    return false;
  }
  return BN_cmp(x, r) == 0;
}

}  // namespace latchkey::crypto
