#ifndef LATCHKEY_SERVICE_CORE_CACHE_STATS_H_
#define LATCHKEY_SERVICE_CORE_CACHE_STATS_H_

#include <cstddef>
#include <cstdint>

namespace latchkey::service::core {

// What an in-process cache reports for metrics: lookups since start, and
// what it holds now. One shape for every cache, so that one exporter serves
// them all.
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t entries = 0;
  size_t bytes = 0;
};

}  // namespace latchkey::service::core

#endif  // LATCHKEY_SERVICE_CORE_CACHE_STATS_H_
