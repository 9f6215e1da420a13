#include "crypto/cose_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/cbor.h"
#include "crypto/openssl_ptrs.h"

namespace latchkey::crypto {
namespace {

// COSE_Key labels and values (RFC 9052 section 7, RFC 9053).
constexpr int64_t kKty = 1;
constexpr int64_t kAlg = 3;
constexpr int64_t kCrvOrN = -1;  // EC2/OKP: crv; RSA: n
constexpr int64_t kXOrE = -2;    // EC2/OKP: x; RSA: e
constexpr int64_t kY = -3;
constexpr int64_t kKtyOkp = 1;
constexpr int64_t kKtyEc2 = 2;
constexpr int64_t kKtyRsa = 3;
constexpr int64_t kCrvP256 = 1;
constexpr int64_t kCrvEd25519 = 6;

using openssl::BldFree;
using openssl::BnFree;
using openssl::BnPtr;
using openssl::MdCtxFree;
using openssl::ParamFree;
using openssl::PkeyCtxFree;
using openssl::PkeyPtr;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("COSE key: ", why));
}

BnPtr Bignum(const std::string& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
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

// EVP_PKEY_fromdata does not check that an EC point is on the curve; a
// public-key check does.
bool PublicKeyIsValid(EVP_PKEY* key) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

absl::StatusOr<PkeyPtr> Ec2Key(const cbor_item_t* map) {
  LATCHKEY_ASSIGN_OR_RETURN(int64_t crv,
                            CborInt(CborMapFind(map, kCrvOrN), "COSE key crv"));
  if (crv != kCrvP256) return Invalid("ES256 needs the P-256 curve");
  LATCHKEY_ASSIGN_OR_RETURN(std::string x,
                            CborBytes(CborMapFind(map, kXOrE), "COSE key x"));
  LATCHKEY_ASSIGN_OR_RETURN(std::string y,
                            CborBytes(CborMapFind(map, kY), "COSE key y"));
  if (x.size() != 32 || y.size() != 32) {
    return Invalid("P-256 coordinates must be 32 bytes");
  }
  const std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::InternalError("COSE key: OpenSSL parameter building failed");
  }
  PkeyPtr key = FromData("EC", bld.get());
  if (!key || !PublicKeyIsValid(key.get())) {
    ERR_clear_error();
    return Invalid("the P-256 point is not on the curve");
  }
  return key;
}

absl::StatusOr<PkeyPtr> OkpKey(const cbor_item_t* map) {
  LATCHKEY_ASSIGN_OR_RETURN(int64_t crv,
                            CborInt(CborMapFind(map, kCrvOrN), "COSE key crv"));
  if (crv != kCrvEd25519) return Invalid("EdDSA needs the Ed25519 curve");
  LATCHKEY_ASSIGN_OR_RETURN(std::string x,
                            CborBytes(CborMapFind(map, kXOrE), "COSE key x"));
  if (x.size() != 32) return Invalid("an Ed25519 key must be 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(x.data()), x.size()));
  if (!key) {
    ERR_clear_error();
    return Invalid("the Ed25519 key was refused");
  }
  return key;
}

absl::StatusOr<PkeyPtr> RsaKey(const cbor_item_t* map) {
  LATCHKEY_ASSIGN_OR_RETURN(std::string n,
                            CborBytes(CborMapFind(map, kCrvOrN), "COSE key n"));
  LATCHKEY_ASSIGN_OR_RETURN(std::string e,
                            CborBytes(CborMapFind(map, kXOrE), "COSE key e"));
  // The modulus without leading zero bytes decides the key size.
  size_t first = 0;
  while (first < n.size() && n[first] == '\0') ++first;
  const size_t modulus_bytes = n.size() - first;
  if (modulus_bytes < 256 || modulus_bytes > 1024) {
    return Invalid("an RSA modulus must be 2048 to 8192 bits");
  }
  if (e.empty() || e.size() > 8) return Invalid("the RSA exponent is invalid");
  BnPtr bn_n = Bignum(n), bn_e = Bignum(e);
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1) {
    return absl::InternalError("COSE key: OpenSSL parameter building failed");
  }
  // An even or tiny exponent is no RSA key anyone generates.
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
    return Invalid("the RSA exponent is invalid");
  }
  PkeyPtr key = FromData("RSA", bld.get());
  if (!key) {
    ERR_clear_error();
    return Invalid("the RSA key was refused");
  }
  return key;
}

}  // namespace

struct CoseKey::Key {
  PkeyPtr pkey;
};

absl::StatusOr<CoseKey> CoseKey::Parse(absl::string_view bytes) {
  LATCHKEY_ASSIGN_OR_RETURN(CborItem item, DecodeCbor(bytes));
  const cbor_item_t* map = item.get();
  if (!cbor_isa_map(map)) return Invalid("not a CBOR map");
  LATCHKEY_ASSIGN_OR_RETURN(int64_t kty,
                            CborInt(CborMapFind(map, kKty), "COSE key kty"));
  LATCHKEY_ASSIGN_OR_RETURN(int64_t alg,
                            CborInt(CborMapFind(map, kAlg), "COSE key alg"));
  absl::StatusOr<PkeyPtr> key;
  if (alg == kCoseEs256) {
    if (kty != kKtyEc2) return Invalid("ES256 needs an EC2 key");
    key = Ec2Key(map);
  } else if (alg == kCoseEdDsa) {
    if (kty != kKtyOkp) return Invalid("EdDSA needs an OKP key");
    key = OkpKey(map);
  } else if (alg == kCoseRs256) {
    if (kty != kKtyRsa) return Invalid("RS256 needs an RSA key");
    key = RsaKey(map);
  } else {
    return Invalid(absl::StrCat("unsupported algorithm ", alg));
  }
  if (!key.ok()) return key.status();
  auto holder = std::make_shared<Key>();
  holder->pkey = *std::move(key);
  return CoseKey(alg, std::move(holder));
}

absl::Status CoseKey::Verify(absl::string_view message,
                             absl::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  // Ed25519 hashes internally: no digest.
  const EVP_MD* md = algorithm_ == kCoseEdDsa ? nullptr : EVP_sha256();
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr,
                                   key_->pkey.get()) != 1) {
    return absl::InternalError("signature check could not start");
  }
  if (algorithm_ == kCoseEdDsa && signature.size() != 64) {
    return absl::InvalidArgumentError("an EdDSA signature must be 64 bytes");
  }
  if (EVP_DigestVerify(ctx.get(),
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
    // A bad signature leaves OpenSSL errors behind on this thread.
    ERR_clear_error();
    return absl::InvalidArgumentError("the signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace latchkey::crypto
