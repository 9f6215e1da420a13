#ifndef SERVICE_RUNTIME_METRICS_H_
#define SERVICE_RUNTIME_METRICS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

// Prometheus metrics without a client library (none is packaged): counters,
// gauges and histograms with labels, rendered in the text exposition format
// 0.0.4 (docs/mesh.md lists what latchkeyd exports).
//
// Recording is lock-cheap: a series is found under a shared lock and then
// updated with atomics; only the first use of a label set takes the lock
// exclusively. Label sets are bounded: every family has a cap on its
// series, and label values past the cap are recorded under one series whose
// values are all "other". Callers must still pass only bounded values (a
// method name from the catalogue, a route template, a fixed reason), never
// text a client chose: the cap is a backstop, not the design.
namespace latchkey::service::metrics {

// A monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Increment(uint64_t by = 1) {
    value_.fetch_add(by, std::memory_order_relaxed);
  }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets, with their sum. Thread-safe.
class Histogram {
 public:
  // `bounds` ascending upper bounds (the +Inf bucket is implicit).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// The usual latency buckets, in seconds (5 ms to 10 s).
std::vector<double> DefaultLatencyBuckets();

enum class Type { kCounter, kGauge, kHistogram };

// One sample of a family computed at scrape time (see AddCallback).
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

// A set of metric families and their text exposition. Families are created
// at start-up; recording through them is thread-safe. The registry must
// outlive every pointer it hands out.
class Registry {
 public:
  // The most series one family keeps before folding new label sets into
  // the "other" series.
  static constexpr size_t kDefaultMaxSeries = 2000;

  template <typename Metric>
  class Family {
   public:
    // The series for `label_values` (one per label name), created on first
    // use. Never null; the pointer stays valid as long as the registry.
    Metric* WithLabels(absl::Span<const absl::string_view> label_values);
    Metric* WithLabels(std::initializer_list<absl::string_view> values) {
      return WithLabels(absl::MakeConstSpan(values.begin(), values.size()));
    }

   private:
    friend class Registry;
    Family(std::vector<std::string> label_names, size_t max_series,
           std::function<std::unique_ptr<Metric>()> make)
        : label_names_(std::move(label_names)),
          max_series_(max_series),
          make_(std::move(make)) {}

    const std::vector<std::string> label_names_;
    const size_t max_series_;
    const std::function<std::unique_ptr<Metric>()> make_;
    mutable std::shared_mutex mutex_;
    // Keyed by the label values joined with '\0'; insertion order kept for
    // a stable exposition.
    absl::flat_hash_map<std::string, size_t> index_;
    std::vector<std::pair<std::vector<std::string>, std::unique_ptr<Metric>>>
        series_;
  };

  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  // Each name must be a valid metric name, unique in the registry (a
  // counter's ends in _total); label names valid and not reserved. A broken
  // name is a programming error: it aborts.
  Family<Counter>* AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {},
                              size_t max_series = kDefaultMaxSeries);
  Family<Gauge>* AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {},
                          size_t max_series = kDefaultMaxSeries);
  Family<Histogram>* AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds,
                                  size_t max_series = kDefaultMaxSeries);
  // A counter or gauge family whose samples `collect` computes at each
  // scrape (from a component's own counters: nothing is recorded twice).
  // `collect` runs on the scraping thread and must be thread-safe.
  void AddCallback(std::string name, std::string help, Type type,
                   std::vector<std::string> label_names,
                   std::function<std::vector<Sample>()> collect);

  // Every family in the text exposition format 0.0.4, in registration
  // order, each sample line ending in '\n'.
  std::string Render() const;

 private:
  struct Entry;
  Entry& Add(std::string name, std::string help, Type type,
             const std::vector<std::string>& label_names);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The Content-Type of Render()'s output.
inline constexpr absl::string_view kContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Adds the standard process_* families (CPU seconds, resident memory, open
// descriptors, start time, from /proc/self) to `registry`.
void AddProcessMetrics(Registry& registry);

}  // namespace latchkey::service::metrics

#endif  // SERVICE_RUNTIME_METRICS_H_
