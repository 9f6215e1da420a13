#ifndef SERVICE_CORE_PROJECT_CONFIG_H_
#define SERVICE_CORE_PROJECT_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "identity/v1/project.pb.h"
#include "nlohmann/json.hpp"

namespace latchkey::service::core {

// A project's configuration: built-in defaults, then override levels, each
// a JSON object of dotted keys naming ProjectConfig fields
// ({"password_min_length": 10, "rate_limits.sign_in_per_ip.limit": 50}).
// A key may name a whole message or list ("argon2": {...}, "domains":
// [...]) or one leaf; longer keys apply after shorter ones; null restores
// the default. Stateless; thread-safe.

// The defaults of a new project.
const identity::v1::ProjectConfig& DefaultProjectConfig();

// Applies `override_object` on top of `config` and validates the result.
// SCHEMA_ERROR (api_error.h) naming the key for an unknown key, a value of
// the wrong type, or a result outside the limits (e.g. an access token
// lifetime under 60 s, a trusted domain that is not a URL); `config` is
// unchanged then.
absl::Status ApplyConfigOverride(const nlohmann::json& override_object,
                                 identity::v1::ProjectConfig& config);

// Defaults plus each level's override (JSON text), in order. SCHEMA_ERROR
// as above (an override stored by an older version that no longer
// validates is reported, not ignored).
absl::StatusOr<identity::v1::ProjectConfig> EffectiveProjectConfig(
    const std::vector<std::string>& override_json_levels);

// Merges `patch` (dotted keys) into `existing` (dotted keys): a key in the
// patch replaces the same key and every longer key under it; null removes
// it. Both must be JSON objects.
nlohmann::json MergeOverrides(const nlohmann::json& existing,
                              const nlohmann::json& patch);

// The checks ApplyConfigOverride runs on its result.
absl::Status ValidateProjectConfig(const identity::v1::ProjectConfig& config);

// The deployment's ceiling on the argon2 cost a project may choose
// (--argon2_max_memory_kib, --argon2_max_iterations): a project's own range
// (ValidateProjectConfig) reaches gigabytes, which every tenant would pay
// for in shared memory and hashing time. The defaults are a few times
// OWASP's argon2id recommendation (19 MiB, t=2).
struct Argon2Ceiling {
  int64_t max_memory_kib = 64 * 1024;
  int64_t max_iterations = 4;
  // Lanes, which libargon2 runs as that many threads per hash: the bound
  // on threads one tenant's hash may start.
  int64_t max_parallelism = 4;
};

// For a configuration change from `current` to `updated`: SCHEMA_ERROR (as
// for any out-of-range value, naming the key, the deployment's limit and
// the value) when `updated` has argon2.memory_kib, argon2.iterations or
// argon2.parallelism above the ceiling and different from `current`'s. A value
// already stored above the ceiling (set before it existed, or before an
// operator lowered it) may stay, so that unrelated keys can still be changed;
// hashing clamps it to the ceiling (core::Passwords).
absl::Status CheckArgon2Ceiling(const identity::v1::ProjectConfig& current,
                                const identity::v1::ProjectConfig& updated,
                                const Argon2Ceiling& ceiling);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PROJECT_CONFIG_H_
