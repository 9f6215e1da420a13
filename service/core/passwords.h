#ifndef SERVICE_CORE_PASSWORDS_H_
#define SERVICE_CORE_PASSWORDS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/password_hasher.h"
#include "identity/v1/project.pb.h"
#include "service/worker_pool.h"

namespace latchkey::service::core {

// The schemes a stored password hash may use.
enum class PasswordAlgorithm {
  // Latchkey's own hashes, and argon2id PHC strings imported as they are.
  kArgon2id,
  // Imported from another system ($2a$, $2b$, $2y$); re-hashed to argon2id
  // on the next successful sign-in.
  kBcrypt,
};

// "argon2id" / "bcrypt": the value of PasswordCredentialRecord::algorithm.
absl::string_view PasswordAlgorithmName(PasswordAlgorithm algorithm);

// A password's length as Stack counts it (JavaScript's String.length: UTF-16
// code units, so an emoji counts 2), so that the same password passes or
// fails the same policy on Stack and on Latchkey.
size_t PasswordLength(absl::string_view password);

// The project's password policy (password_min_length, password_max_length;
// 8 and 70 by default, no character-class rules). PASSWORD_TOO_SHORT with
// min_length, PASSWORD_TOO_LONG with maxLength (Stack's camelCase), as
// api_error.h statuses.
absl::Status CheckPasswordPolicy(absl::string_view password,
                                 const identity::v1::ProjectConfig& config);

// Which scheme an imported hash uses, after checking its shape without
// computing anything (a bcrypt check costs up to seconds; an import of a
// thousand rows must not): bcrypt is "$2a$"/"$2b$"/"$2y$", a cost of 04..16
// and 53 characters of salt and hash; argon2id is a v=19 PHC string whose
// parameters are within crypto's bounds. SCHEMA_ERROR naming `field`
// otherwise (other schemes, such as scrypt or PBKDF2, are not supported).
absl::StatusOr<PasswordAlgorithm> ClassifyImportedPasswordHash(
    absl::string_view hash, absl::string_view field);

// The argon2id parameters of a project's configuration.
crypto::Argon2Params Argon2ParamsOf(const identity::v1::ProjectConfig& config);

// Hashing and verifying passwords with each project's argon2 parameters.
// Keeps one crypto::PasswordHasher per distinct parameter set (creating
// one costs a hash; few projects change the defaults). Thread-safe; every
// call may run argon2 and take tens of milliseconds, so never call it while
// holding a database transaction open.
//
// argon2 runs on `max_concurrent_hashes` threads of its own; callers wait
// their turn, first come first served. More runs than CPUs finish no
// sooner in total but each holds its memory (19 MiB by default) for longer.
// Own threads also keep that memory warm in their malloc arenas: a hash on
// a fresh 19 MiB costs thousands of page faults, and memory stays bounded
// by the thread count rather than by every worker that ever hashed.
class Passwords {
 public:
  // max_concurrent_hashes < 1 means the number of CPUs the process may use.
  explicit Passwords(int max_concurrent_hashes = 0);
  Passwords(const Passwords&) = delete;
  Passwords& operator=(const Passwords&) = delete;

  // An argon2id PHC string for `password` with the project's parameters.
  // Does not check the policy (call CheckPasswordPolicy first). INTERNAL or
  // RESOURCE_EXHAUSTED when argon2 fails.
  absl::StatusOr<std::string> Hash(absl::string_view password,
                                   const identity::v1::ProjectConfig& config);

  // Checks `password` against a stored hash (argon2id or imported bcrypt).
  // `needs_rehash` is set when it matches and the hash is bcrypt or weaker
  // than the project's current parameters: store Hash(password) then. A
  // password longer than crypto::kMaxPasswordBytes never matches. INTERNAL
  // when the stored hash is malformed (it is our own data).
  absl::StatusOr<crypto::PasswordCheck> Verify(
      absl::string_view password, absl::string_view stored_hash,
      const identity::v1::ProjectConfig& config);

  // Spends the time of a real verification; call it when there is no user
  // (or no password) so that timing does not reveal which emails exist.
  void VerifyDummy(absl::string_view password,
                   const identity::v1::ProjectConfig& config);

 private:
  using Key = std::tuple<uint32_t, uint32_t, uint32_t>;
  absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>> HasherFor(
      const identity::v1::ProjectConfig& config);

  // Runs `work` on a hashing thread and waits for it; `if_refused` when the
  // queue is full.
  template <typename Result>
  Result OnHashThread(std::function<Result()> work, Result if_refused);

  std::mutex mutex_;
  std::map<Key, std::shared_ptr<const crypto::PasswordHasher>> hashers_;
  WorkerPool hash_threads_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORDS_H_
