#ifndef CRYPTO_PASSWORD_HASHER_H_
#define CRYPTO_PASSWORD_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace latchkey::crypto {

// Argon2id cost parameters (RFC 9106). The defaults are OWASP's first
// recommendation: 19 MiB, 2 passes, 1 lane.
struct Argon2Params {
  uint32_t memory_kib = 19456;
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

// Bounds accepted for configured and stored parameters. The upper bounds stop
// a typo (or a corrupt stored hash) from making each sign-in take minutes or
// gigabytes; the lower ones are libargon2's own.
inline constexpr uint32_t kMaxArgon2MemoryKib = 1 << 20;  // 1 GiB.
inline constexpr uint32_t kMaxArgon2Iterations = 16;
inline constexpr uint32_t kMaxArgon2Parallelism = 16;
// bcrypt hashes above this cost (2^16 rounds, seconds per check) are refused.
inline constexpr int kMaxBcryptCost = 16;
// Longer inputs are refused before hashing: no real password is this long,
// and hashing megabytes on request is a denial-of-service lever.
inline constexpr size_t kMaxPasswordBytes = 4096;

// INVALID_ARGUMENT unless 1 <= parallelism <= 16, 1 <= iterations <= 16 and
// 8 * parallelism <= memory_kib <= 1 GiB.
absl::Status ValidateArgon2Params(const Argon2Params& params);

// The outcome of a verification. `needs_rehash` is only meaningful when
// `matches`: the caller should then store Hash(password) in place of the old
// hash (it was bcrypt, or argon2id weaker than the current parameters).
struct PasswordCheck {
  bool matches = false;
  bool needs_rehash = false;
};

// Hashes passwords with argon2id (libargon2, PHC string format) and verifies
// argon2id hashes and imported bcrypt hashes ($2a$, $2b$, $2y$, through
// libxcrypt's crypt_r). Immutable after Create and thread-safe; each call
// allocates its own argon2 memory (memory_kib per concurrent call), so the
// caller should bound concurrency. Passwords are never logged, stored or
// put in a status message.
class PasswordHasher {
 public:
  // INVALID_ARGUMENT if the parameters fail ValidateArgon2Params. Computes
  // one hash to serve VerifyDummy, so it costs one hash of time.
  static absl::StatusOr<std::unique_ptr<PasswordHasher>> Create(
      Argon2Params params = {});

  // A fresh PHC string "$argon2id$v=19$m=..,t=..,p=..$salt$hash" with a
  // random 16-byte salt and a 32-byte tag. INVALID_ARGUMENT if the password
  // is over kMaxPasswordBytes; RESOURCE_EXHAUSTED if argon2 cannot allocate
  // its memory; INTERNAL for any other failure.
  absl::StatusOr<std::string> Hash(std::string_view password) const;

  // Checks `password` against a stored hash. A wrong password is OK with
  // matches = false. INVALID_ARGUMENT if the password is over
  // kMaxPasswordBytes or the stored hash is not a well-formed argon2id or
  // bcrypt ($2a$/$2b$/$2y$) hash within the bounds above; RESOURCE_EXHAUSTED
  // if argon2 cannot allocate; INTERNAL otherwise. Comparisons are constant
  // time (inside libargon2, and ConstantTimeEquals for bcrypt).
  absl::StatusOr<PasswordCheck> Verify(std::string_view password,
                                       std::string_view stored_hash) const;

  // Spends the time of a real argon2id verification at the current
  // parameters against a hash no password matches; call it when the user
  // does not exist so that response time does not reveal which emails have
  // accounts.
  void VerifyDummy(std::string_view password) const;

  const Argon2Params& params() const { return params_; }

 private:
  PasswordHasher(Argon2Params params, std::string dummy_hash)
      : params_(params), dummy_hash_(std::move(dummy_hash)) {}

  absl::StatusOr<PasswordCheck> VerifyArgon2id(
      std::string_view password, std::string_view stored_hash) const;
  absl::StatusOr<PasswordCheck> VerifyBcrypt(
      std::string_view password, std::string_view stored_hash) const;

  const Argon2Params params_;
  const std::string dummy_hash_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_PASSWORD_HASHER_H_
