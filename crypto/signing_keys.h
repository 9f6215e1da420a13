#ifndef CRYPTO_SIGNING_KEYS_H_
#define CRYPTO_SIGNING_KEYS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace latchkey::crypto {

// ES256 (P-256) keys derived from the server secret exactly as Stack Auth
// derives them (docs/stack-wire-format.md, "Signing keys"), so that a Stack
// deployment can move to Latchkey with its secret and keep every issued token
// and every cached JWKS valid. With H = SHA-256, b64u = unpadded base64url and
// JSON = JavaScript's JSON.stringify:
//
//   scheme 1 (signs):     secret1 = b64u(H(JSON([SECRET, aud])))
//                         kid1    = b64u(H(JSON([secret1, "kid"])))[0:12]
//   scheme 2 (published): secret2 = b64u(H(JSON(["stack-jwk-audience-secret",
//                                               SECRET, {"audience": aud}])))
//                         kid2    = b64u(H(JSON(["stack-jwk-kid", SECRET,
//                                               {"audience": aud}])))[0:12]
//   private scalar:       d = H(b64u_decode(secret_n)), reduced mod n as
//                         Stack's `elliptic` library does.
//
// Keys are derived on demand and cached, never stored.

// Which of Stack's two derivations produced a key.
enum class KeyScheme {
  kLegacy = 1,          // Scheme 1: the signing key.
  kAudienceSecret = 2,  // Scheme 2: published and accepted, never signs.
};

// Whether a key comes from the current server secret or the previous one
// (kept during a rotation so tokens and cached JWKS stay valid).
enum class SecretGeneration { kCurrent, kPrevious };

// Stack refuses secrets its own base64url decoder rejects; we also demand at
// least 128 bits. INVALID_ARGUMENT if `server_secret` is empty, has a
// character outside [A-Za-z0-9_-] (trailing '=' padding is tolerated, as
// jose tolerates it), or decodes to fewer than 16 bytes.
absl::Status ValidateServerSecret(std::string_view server_secret);

// True for the audiences Latchkey issues tokens for: "<project>",
// "<project>:anon", "<project>:restricted" and "<project>:ws", where
// <project> is "internal" or a UUID (hex digits 8-4-4-4-12).
bool IsValidAudience(std::string_view audience);

// The intermediate values of one derivation. `private_scalar` is secret:
// never log it. Exposed for the compatibility test vector.
struct DerivedKeyMaterial {
  std::string kid;             // 12 base64url characters.
  std::string derived_secret;  // secret1 or secret2 above (base64url text).
  std::string private_scalar;  // d before reduction: 32 raw bytes.
};

// Runs one derivation. The secret is used as written (not decoded) in the
// JSON. INVALID_ARGUMENT if the audience is "kid" (Stack forbids it: with
// scheme 1 it would make a kid equal to a secret) or either string is not
// valid UTF-8.
absl::StatusOr<DerivedKeyMaterial> DeriveKeyMaterial(
    std::string_view server_secret, std::string_view audience,
    KeyScheme scheme);

class P256FixedKeyVerifier;

// Bounds how many keys hold a precomputed verification table (about
// 150 KiB each; see SigningKey::VerifyEs256). Shared by the keys of one
// KeyRing, and by any key that outlives it. Thread-safe.
class PrecomputedTableBudget {
 public:
  explicit PrecomputedTableBudget(size_t max_tables)
      : max_tables_(max_tables) {}

  // Takes one table's place; false when all are taken.
  bool TryAcquire();
  // Gives back a place taken by TryAcquire.
  void Release();
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  const size_t max_tables_;
  std::atomic<size_t> in_use_{0};
};

// One P-256 key pair with its Stack identity. Immutable and thread-safe:
// OpenSSL 3 allows one EVP_PKEY to be used by many threads at once.
class SigningKey {
 public:
  // Builds the key pair from derived material. INVALID_ARGUMENT if the
  // scalar is not 32 bytes; INTERNAL if OpenSSL fails or the scalar reduces
  // to zero (probability 2^-256).
  //
  // With a `table_budget`, a key that has verified
  // kVerificationsBeforeTable genuine signatures builds a table of
  // multiples of its public key (P256FixedKeyVerifier), if the budget has
  // room, and verifies at about twice OpenSSL's speed from then on. Only
  // successful verifications count, so forged tokens cannot make a key
  // spend the 20 ms the table takes to build.
  static absl::StatusOr<std::unique_ptr<SigningKey>> Create(
      const DerivedKeyMaterial& material, std::string audience,
      KeyScheme scheme, SecretGeneration generation,
      std::shared_ptr<PrecomputedTableBudget> table_budget = nullptr);

  static constexpr uint64_t kVerificationsBeforeTable = 64;

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const std::string& kid() const { return kid_; }
  const std::string& audience() const { return audience_; }
  KeyScheme scheme() const { return scheme_; }
  SecretGeneration generation() const { return generation_; }
  // Affine public coordinates, big-endian, left-padded to 32 bytes.
  const std::string& x() const { return x_; }
  const std::string& y() const { return y_; }

  // ES256 signature of `message` (SHA-256 then ECDSA) in JOSE form: r || s,
  // each left-padded to 32 bytes. INTERNAL if OpenSSL fails.
  absl::StatusOr<std::string> SignEs256(std::string_view message) const;

  // OK iff `signature` is a 64-byte r || s ES256 signature of `message` by
  // this key; UNAUTHENTICATED otherwise (wrong length, r or s out of range,
  // or not a valid signature).
  absl::Status VerifyEs256(std::string_view message,
                           std::string_view signature) const;

  // True once this key verifies with its own precomputed table.
  bool has_precomputed_table() const {
    return table_.load(std::memory_order_acquire) != nullptr;
  }

 private:
  struct Pkey;  // Owns the OpenSSL EVP_PKEY; defined in the .cc file.
  SigningKey(std::unique_ptr<Pkey> pkey, std::string kid, std::string audience,
             KeyScheme scheme, SecretGeneration generation, std::string x,
             std::string y,
             std::shared_ptr<PrecomputedTableBudget> table_budget);

  // Counts a successful verification; the one that reaches
  // kVerificationsBeforeTable builds the table.
  void CountVerification() const;

  std::unique_ptr<Pkey> pkey_;
  std::string kid_;
  std::string audience_;
  KeyScheme scheme_;
  SecretGeneration generation_;
  std::string x_;
  std::string y_;
  const std::shared_ptr<PrecomputedTableBudget> table_budget_;
  mutable std::atomic<uint64_t> verifications_{0};
  // Owned; set at most once, freed with the key.
  mutable std::atomic<const P256FixedKeyVerifier*> table_{nullptr};
};

// Every key of one audience, in a fixed order: current scheme 1 (the signer),
// current scheme 2, then, during a rotation, previous scheme 1 and previous
// scheme 2. Immutable and thread-safe.
struct AudienceKeys {
  std::string audience;
  std::vector<std::unique_ptr<const SigningKey>> keys;

  // The one key that signs new tokens: current secret, scheme 1.
  const SigningKey& signer() const { return *keys.front(); }

  // The key with this kid, or nullptr.
  const SigningKey* FindByKid(std::string_view kid) const;
};

// Derives and caches the keys of each audience from the current server
// secret and an optional previous one. Thread-safe: lookups and derivations
// may run concurrently from any number of threads.
//
// The cache is bounded (least recently used audiences are dropped) because a
// verifier derives keys for the audience a token claims before it can know
// the token is genuine; an attacker inventing project ids must not be able
// to grow memory without limit.
class KeyRing {
 public:
  struct Options {
    std::string current_secret;
    // Set during a rotation: its keys stay published and verifiable.
    std::optional<std::string> previous_secret;
    size_t max_cached_audiences = 4096;
    // Keys that may hold a precomputed verification table at once (about
    // 150 KiB each; 0 turns tables off). The first keys to verify
    // SigningKey::kVerificationsBeforeTable tokens get them.
    size_t max_precomputed_tables = 64;
  };

  // INVALID_ARGUMENT if a secret fails ValidateServerSecret, the two secrets
  // are equal, or max_cached_audiences is 0.
  static absl::StatusOr<std::unique_ptr<KeyRing>> Create(Options options);

  // The keys of `audience`, derived on first use. The returned keys stay
  // valid for as long as the caller holds the pointer, even if evicted.
  // INVALID_ARGUMENT if !IsValidAudience(audience); INTERNAL if OpenSSL
  // fails.
  absl::StatusOr<std::shared_ptr<const AudienceKeys>> KeysFor(
      std::string_view audience) const;

  bool has_previous_secret() const {
    return options_.previous_secret.has_value();
  }

  // Number of audiences currently cached (for tests and metrics).
  size_t cached_audiences() const;

 private:
  explicit KeyRing(Options options)
      : options_(std::move(options)),
        table_budget_(std::make_shared<PrecomputedTableBudget>(
            options_.max_precomputed_tables)) {}

  absl::StatusOr<std::shared_ptr<const AudienceKeys>> Derive(
      std::string_view audience) const;

  const Options options_;
  const std::shared_ptr<PrecomputedTableBudget> table_budget_;

  using LruList = std::list<std::shared_ptr<const AudienceKeys>>;
  mutable std::mutex mu_;
  // Most recently used first.
  mutable LruList lru_;
  mutable std::unordered_map<std::string, LruList::iterator> index_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_SIGNING_KEYS_H_
