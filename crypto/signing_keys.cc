#include "crypto/signing_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "crypto/ecdsa_der.h"
#include "crypto/encoding.h"
#include "crypto/hashing.h"
#include "crypto/p256_fixed_key_verifier.h"
#include "crypto/strict_json.h"

namespace latchkey::crypto {
namespace {

constexpr size_t kCoordinateSize = 32;
constexpr size_t kKidLength = 12;

// RAII for the OpenSSL objects used here.
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct BnClearFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct EcGroupFree {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnClearFree>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, EcGroupFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

absl::Status OpenSslError(std::string_view what) {
  // Drain the thread's error queue so a later call does not see stale errors.
  ERR_clear_error();
  return absl::InternalError(std::string(what) + " failed in OpenSSL");
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool IsUuid(std::string_view s) {
  return s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
         s[23] == '-' && IsHex(s.substr(0, 8)) && IsHex(s.substr(9, 4)) &&
         IsHex(s.substr(14, 4)) && IsHex(s.substr(19, 4)) &&
         IsHex(s.substr(24, 12));
}

// b64u(H(text)).
std::string HashB64u(std::string_view text) {
  return Base64UrlEncode(Sha256(text));
}

// Decodes a derived secret. It is always our own canonical base64url output,
// so a failure here is a bug rather than bad input.
absl::StatusOr<std::string> DecodeDerivedSecret(std::string_view secret) {
  auto decoded = Base64UrlDecode(secret);
  if (!decoded.ok()) return absl::InternalError("derived secret not base64url");
  return decoded;
}

}  // namespace

absl::Status ValidateServerSecret(std::string_view server_secret) {
  std::string_view body = server_secret;
  while (!body.empty() && body.back() == '=') body.remove_suffix(1);
  if (body.empty()) {
    return absl::InvalidArgumentError("server secret is empty");
  }
  for (char c : body) {
    if (!IsBase64UrlChar(c)) {
      return absl::InvalidArgumentError("server secret is not base64url text");
    }
  }
  // 6 bits per character; 22 characters carry 132 bits.
  if (body.size() * 6 / 8 < 16) {
    return absl::InvalidArgumentError("server secret is shorter than 16 bytes");
  }
  return absl::OkStatus();
}

bool IsValidAudience(std::string_view audience) {
  std::string_view project = audience;
  if (size_t colon = audience.find(':'); colon != std::string_view::npos) {
    std::string_view suffix = audience.substr(colon + 1);
    if (suffix != "anon" && suffix != "restricted" && suffix != "ws") {
      return false;
    }
    project = audience.substr(0, colon);
  }
  return project == "internal" || IsUuid(project);
}

absl::StatusOr<DerivedKeyMaterial> DeriveKeyMaterial(
    std::string_view server_secret, std::string_view audience,
    KeyScheme scheme) {
  if (audience == "kid") {
    return absl::InvalidArgumentError("the audience \"kid\" is reserved");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string secret_json,
                            JsonStringifyString(server_secret));
  LATCHKEY_ASSIGN_OR_RETURN(std::string audience_json,
                            JsonStringifyString(audience));
  DerivedKeyMaterial out;
  if (scheme == KeyScheme::kLegacy) {
    out.derived_secret =
        HashB64u("[" + secret_json + "," + audience_json + "]");
    // derived_secret is base64url, so it needs no escaping.
    out.kid = HashB64u("[\"" + out.derived_secret + "\",\"kid\"]")
                  .substr(0, kKidLength);
  } else {
    std::string tail =
        "," + secret_json + ",{\"audience\":" + audience_json + "}]";
    out.derived_secret = HashB64u("[\"stack-jwk-audience-secret\"" + tail);
    out.kid = HashB64u("[\"stack-jwk-kid\"" + tail).substr(0, kKidLength);
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string raw,
                            DecodeDerivedSecret(out.derived_secret));
  out.private_scalar = Sha256(raw);
  return out;
}

// The key and a small pool of ready signing and verifying contexts. Setting
// up an EVP context (provider lookup, key import into the provider) costs
// about as much as the ECDSA arithmetic itself, so each context is
// initialised once and reused: a call borrows one, uses it, and returns it.
// ECDSA sign/verify keep no state between calls on an initialised context.
struct SigningKey::Pkey {
  // Contexts kept per key and operation: about one per busy thread.
  static constexpr size_t kMaxPooled = 16;

  explicit Pkey(EVP_PKEY* p) : pkey(p) {}
  ~Pkey() {
    for (EVP_PKEY_CTX* ctx : sign_pool) EVP_PKEY_CTX_free(ctx);
    for (EVP_PKEY_CTX* ctx : verify_pool) EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
  }

  // A context ready for EVP_PKEY_sign (or _verify), or null if OpenSSL fails.
  PkeyCtxPtr Borrow(bool sign) const {
    {
      std::lock_guard<std::mutex> lock(mu);
      std::vector<EVP_PKEY_CTX*>& pool = sign ? sign_pool : verify_pool;
      if (!pool.empty()) {
        PkeyCtxPtr ctx(pool.back());
        pool.pop_back();
        return ctx;
      }
    }
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!ctx) return nullptr;
    if ((sign ? EVP_PKEY_sign_init(ctx.get())
              : EVP_PKEY_verify_init(ctx.get())) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) {
      return nullptr;
    }
    return ctx;
  }

  // Gives a context back after a call that did not fail inside OpenSSL.
  void Return(bool sign, PkeyCtxPtr ctx) const {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<EVP_PKEY_CTX*>& pool = sign ? sign_pool : verify_pool;
    if (pool.size() < kMaxPooled) pool.push_back(ctx.release());
  }

  EVP_PKEY* const pkey;
  mutable std::mutex mu;
  mutable std::vector<EVP_PKEY_CTX*> sign_pool;
  mutable std::vector<EVP_PKEY_CTX*> verify_pool;
};

bool PrecomputedTableBudget::TryAcquire() {
  size_t used = in_use_.load(std::memory_order_relaxed);
  while (used < max_tables_) {
    if (in_use_.compare_exchange_weak(used, used + 1,
                                      std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void PrecomputedTableBudget::Release() {
  in_use_.fetch_sub(1, std::memory_order_relaxed);
}

SigningKey::SigningKey(std::unique_ptr<Pkey> pkey, std::string kid,
                       std::string audience, KeyScheme scheme,
                       SecretGeneration generation, std::string x,
                       std::string y,
                       std::shared_ptr<PrecomputedTableBudget> table_budget)
    : pkey_(std::move(pkey)),
      kid_(std::move(kid)),
      audience_(std::move(audience)),
      scheme_(scheme),
      generation_(generation),
      x_(std::move(x)),
      y_(std::move(y)),
      table_budget_(std::move(table_budget)) {}

SigningKey::~SigningKey() {
  if (const P256FixedKeyVerifier* table = table_.load()) {
    delete table;
    table_budget_->Release();
  }
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::Create(
    const DerivedKeyMaterial& material, std::string audience, KeyScheme scheme,
    SecretGeneration generation,
    std::shared_ptr<PrecomputedTableBudget> table_budget) {
  if (material.private_scalar.size() != kCoordinateSize) {
    return absl::InvalidArgumentError("private scalar must be 32 bytes");
  }
  BnCtxPtr ctx(BN_CTX_new());
  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!ctx || !group) return OpenSslError("P-256 setup");

  BnPtr d(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(material.private_scalar.data()),
      kCoordinateSize, nullptr));
  if (!d) return OpenSslError("BN_bin2bn");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  // `elliptic`'s keyFromPrivate reduces the scalar mod n; so must we, or the
  // public key (and so the JWKS) would differ for the 2^-32 of secrets whose
  // hash is >= n.
  if (BN_nnmod(d.get(), d.get(), EC_GROUP_get0_order(group.get()), ctx.get()) !=
      1) {
    return OpenSslError("BN_nnmod");
  }
  if (BN_is_zero(d.get())) {
    return absl::InternalError("derived private scalar is zero");
  }

  EcPointPtr pub(EC_POINT_new(group.get()));
  BnPtr x(BN_new());
  BnPtr y(BN_new());
  if (!pub || !x || !y ||
      EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr,
                   ctx.get()) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), pub.get(), x.get(), y.get(),
                                      ctx.get()) != 1) {
    return OpenSslError("public key computation");
  }
  std::string x_bytes(kCoordinateSize, '\0');
  std::string y_bytes(kCoordinateSize, '\0');
  unsigned char pub_octets[1 + 2 * kCoordinateSize];
  if (BN_bn2binpad(x.get(), reinterpret_cast<unsigned char*>(x_bytes.data()),
                   kCoordinateSize) != static_cast<int>(kCoordinateSize) ||
      BN_bn2binpad(y.get(), reinterpret_cast<unsigned char*>(y_bytes.data()),
                   kCoordinateSize) != static_cast<int>(kCoordinateSize) ||
      EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED,
                         pub_octets, sizeof(pub_octets),
                         ctx.get()) != sizeof(pub_octets)) {
    return OpenSslError("public key encoding");
  }

  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      SN_X9_62_prime256v1, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       pub_octets, sizeof(pub_octets)) != 1) {
    return OpenSslError("key parameters");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw_pkey = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &raw_pkey, EVP_PKEY_KEYPAIR,
                        params.get()) != 1) {
    return OpenSslError("EVP_PKEY_fromdata");
  }
  auto pkey = std::make_unique<Pkey>(raw_pkey);
  return std::unique_ptr<SigningKey>(new SigningKey(
      std::move(pkey), material.kid, std::move(audience), scheme, generation,
      std::move(x_bytes), std::move(y_bytes), std::move(table_budget)));
}

absl::StatusOr<std::string> SigningKey::SignEs256(
    std::string_view message) const {
  const std::array<unsigned char, kSha256Size> digest = Sha256Digest(message);
  unsigned char der[kEcdsaP256MaxDerSize];
  size_t der_len = sizeof(der);
  PkeyCtxPtr ctx = pkey_->Borrow(/*sign=*/true);
  if (!ctx || EVP_PKEY_sign(ctx.get(), der, &der_len, digest.data(),
                            digest.size()) != 1) {
    return OpenSslError("ECDSA sign");
  }
  pkey_->Return(/*sign=*/true, std::move(ctx));
  std::string raw(kEcdsaP256RawSize, '\0');
  if (!EcdsaDerToRaw(
          std::string_view(reinterpret_cast<const char*>(der), der_len),
          reinterpret_cast<uint8_t*>(raw.data()))) {
    return absl::InternalError("OpenSSL wrote an unexpected ECDSA signature");
  }
  return raw;
}

absl::Status SigningKey::VerifyEs256(std::string_view message,
                                     std::string_view signature) const {
  if (signature.size() != kEcdsaP256RawSize) {
    return absl::UnauthenticatedError("ES256 signature must be 64 bytes");
  }
  const std::array<unsigned char, kSha256Size> digest = Sha256Digest(message);
  const auto* raw = reinterpret_cast<const uint8_t*>(signature.data());
  if (const P256FixedKeyVerifier* table =
          table_.load(std::memory_order_acquire)) {
    if (!table->Verify(digest.data(), raw)) {
      return absl::UnauthenticatedError("ES256 signature does not verify");
    }
    return absl::OkStatus();
  }
  // The same DER i2d_ECDSA_SIG would write; r or s out of range (zero, or
  // not below the group order) is left for EVP_PKEY_verify to refuse.
  uint8_t der[kEcdsaP256MaxDerSize];
  const size_t der_len = EcdsaRawToDer(raw, der);
  PkeyCtxPtr ctx = pkey_->Borrow(/*sign=*/false);
  if (!ctx) return OpenSslError("ECDSA verify setup");
  // 1 is a valid signature; 0 is a wrong one, and a negative value is a
  // malformed one (e.g. r = 0). Only 1 passes. A refusal leaves the context
  // as it was, so it goes back to the pool either way.
  int rc =
      EVP_PKEY_verify(ctx.get(), der, der_len, digest.data(), digest.size());
  pkey_->Return(/*sign=*/false, std::move(ctx));
  if (rc != 1) {
    ERR_clear_error();
    return absl::UnauthenticatedError("ES256 signature does not verify");
  }
  CountVerification();
  return absl::OkStatus();
}

void SigningKey::CountVerification() const {
  if (table_budget_ == nullptr ||
      verifications_.load(std::memory_order_relaxed) >=
          kVerificationsBeforeTable) {
    return;
  }
  // Exactly one call sees the count reach the threshold, so at most one
  // thread builds the table and table_ is written at most once.
  if (verifications_.fetch_add(1, std::memory_order_relaxed) + 1 !=
      kVerificationsBeforeTable) {
    return;
  }
  if (!table_budget_->TryAcquire()) return;  // Others use the room.
  auto table = P256FixedKeyVerifier::Create(x_, y_);
  if (!table.ok()) {
    // OpenSSL without the precomputation API, or out of memory: keep
    // verifying through EVP, which is correct, only slower.
    table_budget_->Release();
    return;
  }
  table_.store(table->release(), std::memory_order_release);
}

const SigningKey* AudienceKeys::FindByKid(std::string_view kid) const {
  for (const auto& key : keys) {
    if (key->kid() == kid) return key.get();
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<KeyRing>> KeyRing::Create(Options options) {
  LATCHKEY_RETURN_IF_ERROR(ValidateServerSecret(options.current_secret));
  if (options.previous_secret.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(ValidateServerSecret(*options.previous_secret));
    if (*options.previous_secret == options.current_secret) {
      return absl::InvalidArgumentError(
          "previous server secret equals the current one");
    }
  }
  if (options.max_cached_audiences == 0) {
    return absl::InvalidArgumentError("max_cached_audiences must be > 0");
  }
  return std::unique_ptr<KeyRing>(new KeyRing(std::move(options)));
}

absl::StatusOr<std::shared_ptr<const AudienceKeys>> KeyRing::Derive(
    std::string_view audience) const {
  auto keys = std::make_shared<AudienceKeys>();
  keys->audience = std::string(audience);
  std::vector<std::pair<const std::string*, SecretGeneration>> secrets = {
      {&options_.current_secret, SecretGeneration::kCurrent}};
  if (options_.previous_secret.has_value()) {
    secrets.push_back(
        {&*options_.previous_secret, SecretGeneration::kPrevious});
  }
  for (const auto& [secret, generation] : secrets) {
    for (KeyScheme scheme : {KeyScheme::kLegacy, KeyScheme::kAudienceSecret}) {
      LATCHKEY_ASSIGN_OR_RETURN(DerivedKeyMaterial material,
                                DeriveKeyMaterial(*secret, audience, scheme));
      LATCHKEY_ASSIGN_OR_RETURN(
          std::unique_ptr<SigningKey> key,
          SigningKey::Create(material, keys->audience, scheme, generation,
                             table_budget_));
      keys->keys.push_back(std::move(key));
    }
  }
  return keys;
}

absl::StatusOr<std::shared_ptr<const AudienceKeys>> KeyRing::KeysFor(
    std::string_view audience) const {
  if (!IsValidAudience(audience)) {
    return absl::InvalidArgumentError("not a Latchkey token audience");
  }
  std::string key(audience);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return *it->second;
    }
  }
  // Derive outside the lock: it costs a few scalar multiplications, and
  // other audiences should not wait for it. Two threads may derive the same
  // audience at once; the first to insert wins and both results are equal.
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const AudienceKeys> derived,
                            Derive(audience));
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  lru_.push_front(derived);
  index_.emplace(std::move(key), lru_.begin());
  while (lru_.size() > options_.max_cached_audiences) {
    index_.erase(lru_.back()->audience);
    lru_.pop_back();
  }
  return derived;
}

size_t KeyRing::cached_audiences() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace latchkey::crypto
