#ifndef SERVICE_CORE_PASSWORDS_H_
#define SERVICE_CORE_PASSWORDS_H_

#include <atomic>
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
#include "absl/time/time.h"
#include "crypto/password_hasher.h"
#include "identity/v1/project.pb.h"
#include "service/core/fair_work_queue.h"
#include "service/core/project_config.h"

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
// argon2 runs on `max_concurrent_hashes` threads of its own (a
// FairWorkQueue), shared fairly between projects: each project waits in
// its own line and the lines take turns, so one project flooding sign-ups
// or sign-ins delays another project's hash by about one hash per busy
// project, not by its whole backlog. A project with
// `max_waiting_per_project` hashes already waiting is refused RATE_LIMITED
// (HTTP 429, gRPC RESOURCE_EXHAUSTED, retry_after_seconds 1) at once: its
// callers hold handler threads while they wait. More runs than CPUs finish
// no sooner in total but each holds its memory for longer. Own threads also
// keep that memory warm in their malloc arenas: a hash on a fresh 19 MiB
// costs thousands of page faults, and memory stays bounded by the thread
// count rather than by every worker that ever hashed.
//
// The deployment's Argon2Ceiling bounds the cost: a project's parameters
// above it (stored before it existed or was lowered) are clamped to it
// when hashing, so argon2 memory in use stays within max_concurrent_hashes
// x max_memory_kib. A stored argon2id hash with larger parameters of its
// own (made before, or imported) is verified only up to
// kArgon2VerifyAllowance times the ceiling (memory and iterations), and
// then counts as that many hashing slots of memory (rounded up, at most all
// of them), so the bound holds while it runs; on a match it asks for a
// re-hash at the ceiling. Beyond the allowance it is not computed at all:
// INTERNAL, and the user needs a new password.
class Passwords {
 public:
  // How far above the ceiling a stored hash is still verified: lowering the
  // ceiling up to this factor locks no one out (each user is re-hashed at
  // the next sign-in), while a hash with absurd parameters cannot make one
  // sign-in take gigabytes.
  static constexpr int64_t kArgon2VerifyAllowance = 4;

  struct Options {
    // argon2 runs at once; < 1 means the number of CPUs the process may use.
    int max_concurrent_hashes = 0;
    Argon2Ceiling ceiling;
    // Hashes of one project that may wait for a slot; at least 1.
    size_t max_waiting_per_project = 8;
    // When set, argon2 runs on this queue (which must outlive the
    // Passwords) and the two settings above are its own: lets a test hold
    // the slots and fill a project's line deterministically.
    FairWorkQueue* queue = nullptr;
    // Told how long each hash waited for a thread, as it starts (metrics).
    // Runs on the hashing thread; must be thread-safe and quick.
    std::function<void(absl::Duration)> on_wait;
  };

  explicit Passwords(Options options);
  // Default options with this concurrency.
  explicit Passwords(int max_concurrent_hashes = 0);
  Passwords(const Passwords&) = delete;
  Passwords& operator=(const Passwords&) = delete;

  // `project_id` names the line a call waits in (see above); calls without
  // one share a single line.

  // An argon2id PHC string for `password` with the project's parameters,
  // clamped to the ceiling. Does not check the policy (call
  // CheckPasswordPolicy first). RATE_LIMITED when the project's line is
  // full; INTERNAL or RESOURCE_EXHAUSTED when argon2 fails.
  absl::StatusOr<std::string> Hash(absl::string_view password,
                                   const identity::v1::ProjectConfig& config,
                                   absl::string_view project_id = {});

  // Checks `password` against a stored hash (argon2id or imported bcrypt).
  // `needs_rehash` is set when it matches and the hash is bcrypt, weaker
  // than the project's current (clamped) parameters, or above the ceiling:
  // store Hash(password) then. A password longer than
  // crypto::kMaxPasswordBytes never matches. INTERNAL when the stored hash
  // is malformed (it is our own data) or beyond the verify allowance;
  // RATE_LIMITED when the project's line is full.
  absl::StatusOr<crypto::PasswordCheck> Verify(
      absl::string_view password, absl::string_view stored_hash,
      const identity::v1::ProjectConfig& config,
      absl::string_view project_id = {});

  // Spends the time of a real verification; call it when there is no user
  // (or no password) so that timing does not reveal which emails exist.
  // RATE_LIMITED when the project's line is full, as Verify would be for a
  // real user: return it, or an overloaded project answers differently
  // for emails that exist.
  absl::Status VerifyDummy(absl::string_view password,
                           const identity::v1::ProjectConfig& config,
                           absl::string_view project_id = {});

  // The project's argon2 parameters as hashing uses them: clamped to the
  // ceiling.
  crypto::Argon2Params EffectiveParams(
      const identity::v1::ProjectConfig& config) const;

  const Argon2Ceiling& ceiling() const { return ceiling_; }

  // The hashing line as a whole, for metrics: hashes waiting for a thread
  // now, and hashes refused because their project's line was full.
  struct QueueStats {
    int64_t waiting = 0;
    uint64_t refused = 0;
  };
  QueueStats queue_stats() const {
    return {waiting_.load(std::memory_order_relaxed),
            refused_.load(std::memory_order_relaxed)};
  }

 private:
  using Key = std::tuple<uint32_t, uint32_t, uint32_t>;
  absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>> HasherFor(
      const identity::v1::ProjectConfig& config, absl::string_view project_id);

  // Runs `work` on a hashing thread in `project_id`'s line, counting as
  // `weight` slots, and waits for it; `if_refused` when the line is full.
  template <typename Result>
  Result OnHashThread(absl::string_view project_id, int weight,
                      std::function<Result()> work, Result if_refused);

  const Argon2Ceiling ceiling_;
  const std::function<void(absl::Duration)> on_wait_;
  std::atomic<int64_t> waiting_{0};
  std::atomic<uint64_t> refused_{0};
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<const crypto::PasswordHasher>> hashers_;
  // Declared last: destroyed (finishing its jobs) before the hashers.
  std::unique_ptr<FairWorkQueue> own_queue_;
  FairWorkQueue& hash_queue_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PASSWORDS_H_
