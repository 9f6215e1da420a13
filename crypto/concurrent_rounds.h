#ifndef CRYPTO_CONCURRENT_ROUNDS_H_
#define CRYPTO_CONCURRENT_ROUNDS_H_

#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"

namespace latchkey::crypto::testing {

// Runs `round(thread, i)` for i in [0, rounds) on each of `threads` threads
// at once and returns, per thread, how many rounds answered false. For
// concurrency tests (run them under --config=tsan too).
inline std::vector<int> FailuresPerThread(
    int threads, int rounds, absl::FunctionRef<bool(int, int)> round) {
  std::vector<int> failures(threads, 0);
  std::vector<std::thread> running;
  running.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&failures, &round, rounds, t] {
      for (int i = 0; i < rounds; ++i) {
        if (!round(t, i)) ++failures[t];
      }
    });
  }
  for (std::thread& thread : running) thread.join();
  return failures;
}

}  // namespace latchkey::crypto::testing

#endif  // CRYPTO_CONCURRENT_ROUNDS_H_
