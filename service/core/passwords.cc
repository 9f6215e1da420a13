#include "service/core/passwords.h"

#include <sched.h>

#include <algorithm>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/blocking_scope.h"
#include "common/string_views.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// More parameter sets than this means someone is cycling them; start over
// rather than grow without bound.
constexpr size_t kMaxCachedHashers = 32;

using common::Std;

absl::Status HashSchemaError(absl::string_view field, absl::string_view what) {
  return SchemaError(absl::StrCat(field, " ", what));
}

bool IsBcryptChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '/';
}

bool IsB64NoPadChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool ParseSmallDecimal(absl::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, out);
}

// Mirrors crypto::PasswordHasher's own parser, so that whatever is accepted
// here verifies there (the import test checks this).
bool IsWellFormedBcrypt(absl::string_view hash) {
  if (hash.size() != 60 || hash.substr(0, 2) != "$2" ||
      (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' ||
      hash[6] != '$') {
    return false;
  }
  uint32_t cost = 0;
  if (!ParseSmallDecimal(hash.substr(4, 2), &cost) || cost < 4 ||
      cost > static_cast<uint32_t>(crypto::kMaxBcryptCost)) {
    return false;
  }
  for (char c : hash.substr(7)) {
    if (!IsBcryptChar(c)) return false;
  }
  return true;
}

// The "m=..,t=..,p=.." of a "$argon2id$v=19$...$salt$hash" PHC string
// (`fields` split on '$'), without checking their bounds.
std::optional<crypto::Argon2Params> Argon2CostsOf(
    const std::vector<absl::string_view>& fields) {
  if (fields.size() != 6 || !fields[0].empty() || fields[1] != "argon2id" ||
      fields[2] != "v=19") {
    return std::nullopt;
  }
  std::vector<absl::string_view> costs = absl::StrSplit(fields[3], ',');
  crypto::Argon2Params params;
  if (costs.size() != 3 || !absl::StartsWith(costs[0], "m=") ||
      !absl::StartsWith(costs[1], "t=") || !absl::StartsWith(costs[2], "p=") ||
      !ParseSmallDecimal(costs[0].substr(2), &params.memory_kib) ||
      !ParseSmallDecimal(costs[1].substr(2), &params.iterations) ||
      !ParseSmallDecimal(costs[2].substr(2), &params.parallelism)) {
    return std::nullopt;
  }
  return params;
}

bool IsWellFormedArgon2id(absl::string_view phc) {
  std::vector<absl::string_view> fields = absl::StrSplit(phc, '$');
  std::optional<crypto::Argon2Params> params = Argon2CostsOf(fields);
  if (!params.has_value() || !crypto::ValidateArgon2Params(*params).ok()) {
    return false;
  }
  for (size_t i : {4u, 5u}) {
    if (fields[i].size() < 11) return false;
    for (char c : fields[i]) {
      if (!IsB64NoPadChar(c)) return false;
    }
  }
  return true;
}

// A project's line is full. RATE_LIMITED rather than SERVICE_UNAVAILABLE:
// it is this project's own demand that exceeds its share (other projects
// are still served), and 429 with Retry-After tells its clients to back
// off; 503 would say the whole server is down.
absl::Status Busy() {
  return ApiError(identity::v1::RATE_LIMITED, {{"retry_after_seconds", "1"}},
                  "Too many password checks are waiting for this project; "
                  "try again in a moment.");
}

// The CPUs this process may run on (taskset, cpusets), which can be fewer
// than the machine has.
int DefaultHashConcurrency() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    return std::max(1, CPU_COUNT(&cpus));
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

Passwords::Passwords(Options options)
    : ceiling_(options.ceiling),
      on_wait_(std::move(options.on_wait)),
      own_queue_(
          options.queue != nullptr
              ? nullptr
              : std::make_unique<FairWorkQueue>(FairWorkQueue::Options{
                    .slots = options.max_concurrent_hashes > 0
                                 ? options.max_concurrent_hashes
                                 : DefaultHashConcurrency(),
                    .max_waiting_per_key = options.max_waiting_per_project})),
      hash_queue_(options.queue != nullptr ? *options.queue : *own_queue_) {}

Passwords::Passwords(int max_concurrent_hashes)
    : Passwords(Options{.max_concurrent_hashes = max_concurrent_hashes}) {}

template <typename Result>
Result Passwords::OnHashThread(absl::string_view project_id, int weight,
                               std::function<Result()> work,
                               Result if_refused) {
  // Waiting for a hash is never done on a thread that may not wait.
  if (!common::MayBlock()) return if_refused;
  // packaged_task is move-only; the queue wants a copyable function.
  auto task = std::make_shared<std::packaged_task<Result()>>(std::move(work));
  std::future<Result> result = task->get_future();
  const absl::Time queued = absl::Now();
  waiting_.fetch_add(1, std::memory_order_relaxed);
  if (!hash_queue_.TrySubmit(project_id, weight, [this, task, queued] {
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        if (on_wait_) on_wait_(absl::Now() - queued);
        (*task)();
      })) {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return if_refused;
  }
  return result.get();
}

crypto::Argon2Params Passwords::EffectiveParams(
    const identity::v1::ProjectConfig& config) const {
  crypto::Argon2Params params = Argon2ParamsOf(config);
  params.memory_kib = static_cast<uint32_t>(std::min<int64_t>(
      params.memory_kib, std::max<int64_t>(1, ceiling_.max_memory_kib)));
  params.iterations = static_cast<uint32_t>(std::min<int64_t>(
      params.iterations, std::max<int64_t>(1, ceiling_.max_iterations)));
  params.parallelism = static_cast<uint32_t>(std::min<int64_t>(
      params.parallelism, std::max<int64_t>(1, ceiling_.max_parallelism)));
  return params;
}

absl::string_view PasswordAlgorithmName(PasswordAlgorithm algorithm) {
  switch (algorithm) {
    case PasswordAlgorithm::kArgon2id:
      return "argon2id";
    case PasswordAlgorithm::kBcrypt:
      return "bcrypt";
  }
  return "argon2id";
}

size_t PasswordLength(absl::string_view password) {
  size_t units = 0;
  for (unsigned char c : password) {
    if ((c & 0xC0) == 0x80) continue;  // A UTF-8 continuation byte.
    // A 4-byte sequence is a code point beyond the BMP: a surrogate pair.
    units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

absl::Status CheckPasswordPolicy(absl::string_view password,
                                 const identity::v1::ProjectConfig& config) {
  const size_t length = PasswordLength(password);
  if (length < static_cast<size_t>(config.password_min_length())) {
    return ApiError(
        identity::v1::PASSWORD_TOO_SHORT,
        {{"min_length", absl::StrCat(config.password_min_length())}},
        absl::StrCat("The password must be at least ",
                     config.password_min_length(), " characters long."));
  }
  if (length > static_cast<size_t>(config.password_max_length())) {
    return ApiError(
        identity::v1::PASSWORD_TOO_LONG,
        {{"maxLength", absl::StrCat(config.password_max_length())}},
        absl::StrCat("The password must be at most ",
                     config.password_max_length(), " characters long."));
  }
  return absl::OkStatus();
}

absl::StatusOr<PasswordAlgorithm> ClassifyImportedPasswordHash(
    absl::string_view hash, absl::string_view field) {
  if (absl::StartsWith(hash, "$2")) {
    if (IsWellFormedBcrypt(hash)) return PasswordAlgorithm::kBcrypt;
    return HashSchemaError(field,
                           "is not a well-formed bcrypt hash ($2a$, $2b$ or "
                           "$2y$, cost 04 to 16, 60 characters)");
  }
  if (absl::StartsWith(hash, "$argon2id$")) {
    if (IsWellFormedArgon2id(hash)) return PasswordAlgorithm::kArgon2id;
    return HashSchemaError(field,
                           "is not a well-formed argon2id PHC string "
                           "($argon2id$v=19$m=..,t=..,p=..$salt$hash)");
  }
  return HashSchemaError(
      field, "must be a bcrypt ($2a$, $2b$, $2y$) or argon2id PHC hash");
}

crypto::Argon2Params Argon2ParamsOf(const identity::v1::ProjectConfig& config) {
  crypto::Argon2Params params;
  params.memory_kib = static_cast<uint32_t>(config.argon2().memory_kib());
  params.iterations = static_cast<uint32_t>(config.argon2().iterations());
  params.parallelism = static_cast<uint32_t>(config.argon2().parallelism());
  return params;
}

absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>>
Passwords::HasherFor(const identity::v1::ProjectConfig& config,
                     absl::string_view project_id) {
  const crypto::Argon2Params params = EffectiveParams(config);
  const Key key{params.memory_kib, params.iterations, params.parallelism};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = hashers_.find(key);
    if (it != hashers_.end()) return it->second;
  }
  // Built outside the lock: creation runs argon2 once, in the project's
  // line like any other hash. Two threads may both build one; the first
  // stored wins and the other is dropped.
  absl::StatusOr<std::unique_ptr<crypto::PasswordHasher>> created =
      OnHashThread<absl::StatusOr<std::unique_ptr<crypto::PasswordHasher>>>(
          project_id, 1, [&] { return crypto::PasswordHasher::Create(params); },
          Busy());
  if (!created.ok()) {
    if (ReadApiError(created.status()).has_value()) return created.status();
    // The configuration validator keeps parameters within bounds, so this
    // is a failure of argon2 itself, not of the caller.
    return absl::InternalError(
        absl::StrCat("password hasher: ", created.status().message()));
  }
  std::shared_ptr<const crypto::PasswordHasher> hasher = *std::move(created);
  std::lock_guard<std::mutex> lock(mutex_);
  if (hashers_.size() >= kMaxCachedHashers) hashers_.clear();
  return hashers_.emplace(key, std::move(hasher)).first->second;
}

absl::StatusOr<std::string> Passwords::Hash(
    absl::string_view password, const identity::v1::ProjectConfig& config,
    absl::string_view project_id) {
  absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>> hasher =
      HasherFor(config, project_id);
  if (!hasher.ok()) return hasher.status();
  absl::StatusOr<std::string> hash = OnHashThread<absl::StatusOr<std::string>>(
      project_id, 1, [&] { return (*hasher)->Hash(Std(password)); }, Busy());
  if (!hash.ok() &&
      hash.status().code() == absl::StatusCode::kInvalidArgument) {
    // Only an over-long password; the contract's field limits stop it first.
    return absl::InternalError("password too long to hash");
  }
  return hash;
}

absl::StatusOr<crypto::PasswordCheck> Passwords::Verify(
    absl::string_view password, absl::string_view stored_hash,
    const identity::v1::ProjectConfig& config, absl::string_view project_id) {
  absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>> hasher =
      HasherFor(config, project_id);
  if (!hasher.ok()) return hasher.status();
  if (password.size() > crypto::kMaxPasswordBytes) {
    if (absl::Status spent = VerifyDummy(password, config, project_id);
        !spent.ok()) {
      return spent;
    }
    return crypto::PasswordCheck{};
  }
  // An argon2id hash costs what its own parameters say, whatever the
  // project's are now: weigh it before computing anything.
  int weight = 1;
  bool above_ceiling = false;
  if (std::optional<crypto::Argon2Params> stored =
          Argon2CostsOf(absl::StrSplit(stored_hash, '$'))) {
    const int64_t max_memory = std::max<int64_t>(1, ceiling_.max_memory_kib);
    const int64_t max_iterations =
        std::max<int64_t>(1, ceiling_.max_iterations);
    if (stored->memory_kib > kArgon2VerifyAllowance * max_memory ||
        stored->iterations > kArgon2VerifyAllowance * max_iterations) {
      return absl::InternalError(absl::StrCat(
          "the stored password hash's argon2 cost (m=", stored->memory_kib,
          ", t=", stored->iterations,
          ") is beyond what this server verifies (m=",
          kArgon2VerifyAllowance * max_memory,
          ", t=", kArgon2VerifyAllowance * max_iterations,
          "); the user needs a new password"));
    }
    // More lanes than the ceiling allows still verify (libargon2 caps them
    // at 16 threads), but the hash is replaced by one at the ceiling.
    above_ceiling =
        stored->memory_kib > max_memory ||
        stored->iterations > max_iterations ||
        stored->parallelism > std::max<int64_t>(1, ceiling_.max_parallelism);
    // Rounded up; FairWorkQueue caps it at all the slots.
    weight =
        static_cast<int>((stored->memory_kib + max_memory - 1) / max_memory);
  }
  absl::StatusOr<crypto::PasswordCheck> check =
      OnHashThread<absl::StatusOr<crypto::PasswordCheck>>(
          project_id, weight,
          [&] { return (*hasher)->Verify(Std(password), Std(stored_hash)); },
          Busy());
  if (!check.ok() &&
      check.status().code() == absl::StatusCode::kInvalidArgument) {
    return absl::InternalError("the stored password hash is malformed");
  }
  if (check.ok() && check->matches && above_ceiling) {
    check->needs_rehash = true;
  }
  return check;
}

absl::Status Passwords::VerifyDummy(absl::string_view password,
                                    const identity::v1::ProjectConfig& config,
                                    absl::string_view project_id) {
  absl::StatusOr<std::shared_ptr<const crypto::PasswordHasher>> hasher =
      HasherFor(config, project_id);
  if (!hasher.ok()) return hasher.status();
  return OnHashThread<absl::Status>(
      project_id, 1,
      [&] {
        (*hasher)->VerifyDummy(Std(password));
        return absl::OkStatus();
      },
      Busy());
}

}  // namespace latchkey::service::core
