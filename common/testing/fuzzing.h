#ifndef COMMON_TESTING_FUZZING_H_
#define COMMON_TESTING_FUZZING_H_

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace latchkey::common::testing {

// Support for bounded mutation fuzz tests: deterministic (a fixed seed), so
// a failure reproduces, and short enough to run in CI; longer runs through
// LATCHKEY_FUZZ_ITERATIONS and LATCHKEY_FUZZ_SEED.

// The numeric environment variable `name`, or `fallback` when unset.
uint64_t EnvOr(const char* name, uint64_t fallback);

// A directory of the workspace as seen from a Bazel test (runfiles), or as
// given when run from the workspace root.
std::filesystem::path RunfilesPath(const std::string& workspace_relative);

// Every file in `dir`, whole.
std::vector<std::string> ReadFiles(const std::filesystem::path& dir);

// The non-empty lines of one file.
std::vector<std::string> ReadLines(const std::filesystem::path& file);

// A random edit of `input`: flip, insert, delete or duplicate bytes,
// truncate, splice in `other`, or insert a byte that parsers treat
// specially ('"', '{', '%', '/', NUL, 0xff...). Thread-compatible.
std::string Mutate(std::mt19937_64& random, const std::string& input,
                   const std::string& other);

}  // namespace latchkey::common::testing

#endif  // COMMON_TESTING_FUZZING_H_
