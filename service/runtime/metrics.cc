#include "service/runtime/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace latchkey::service::metrics {
namespace {

// Go's float syntax as Prometheus parses it: the shortest text that reads
// back as the same double, and +Inf, -Inf, NaN.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) return "NaN";
  return std::string(buffer, end);
}

bool ValidName(absl::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (letter || (allow_colon && c == ':')) continue;
    if (digit && i > 0) continue;
    return false;
  }
  return true;
}

[[noreturn]] void Misuse(absl::string_view what) {
  std::cerr << "metrics: " << what << std::endl;
  std::abort();
}

// HELP text escapes backslash and newline.
std::string EscapeHelp(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Label values also escape the double quote.
std::string EscapeLabel(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} plus an optional extra label (le for buckets); empty when
// there are no labels at all.
std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values,
                      absl::string_view extra_name = {},
                      absl::string_view extra_value = {}) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    parts.push_back(
        absl::StrCat(names[i], "=\"", EscapeLabel(values[i]), "\""));
  }
  if (!extra_name.empty()) {
    parts.push_back(
        absl::StrCat(extra_name, "=\"", EscapeLabel(extra_value), "\""));
  }
  if (parts.empty()) return "";
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  // Buckets hold non-cumulative counts; the snapshot sums them up.
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(running);
  }
  // Read concurrently with Observe, count and sum may be a few observations
  // apart from the buckets; the exposition requires +Inf == count, so the
  // count is the bucket total.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

template <typename Metric>
Metric* Registry::Family<Metric>::WithLabels(
    absl::Span<const absl::string_view> label_values) {
  if (label_values.size() != label_names_.size()) {
    Misuse("label values do not match the family's label names");
  }
  const std::string key =
      absl::StrJoin(label_values, absl::string_view("\0", 1));
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) return series_[it->second].second.get();
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it != index_.end()) return series_[it->second].second.get();
  std::vector<std::string> values(label_values.begin(), label_values.end());
  std::string stored_key = key;
  if (series_.size() >= max_series_) {
    // Past the cap every new label set shares one series.
    values.assign(label_names_.size(), "other");
    stored_key = absl::StrJoin(values, absl::string_view("\0", 1));
    auto other = index_.find(stored_key);
    if (other != index_.end()) return series_[other->second].second.get();
  }
  index_.emplace(stored_key, series_.size());
  series_.emplace_back(std::move(values), make_());
  return series_.back().second.get();
}

template class Registry::Family<Counter>;
template class Registry::Family<Gauge>;
template class Registry::Family<Histogram>;

struct Registry::Entry {
  std::string name;
  std::string help;
  Type type;
  std::vector<std::string> label_names;
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::function<std::vector<Sample>()> collect;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::Add(std::string name, std::string help, Type type,
                               const std::vector<std::string>& label_names) {
  if (!ValidName(name, /*allow_colon=*/true)) {
    Misuse(absl::StrCat("bad metric name ", name));
  }
  if (type == Type::kCounter && !absl::EndsWith(name, "_total")) {
    Misuse(absl::StrCat("a counter's name must end in _total: ", name));
  }
  for (const std::string& label : label_names) {
    if (!ValidName(label, /*allow_colon=*/false) ||
        absl::StartsWith(label, "__") || label == "le") {
      Misuse(absl::StrCat("bad label name ", label, " in ", name));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : entries_) {
    if (entry->name == name) Misuse(absl::StrCat("duplicate metric ", name));
  }
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->type = type;
  entry->label_names = label_names;
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Registry::Family<Counter>* Registry::AddCounter(
    std::string name, std::string help, std::vector<std::string> label_names,
    size_t max_series) {
  Entry& entry =
      Add(std::move(name), std::move(help), Type::kCounter, label_names);
  entry.counters.reset(
      new Family<Counter>(std::move(label_names), max_series,
                          [] { return std::make_unique<Counter>(); }));
  return entry.counters.get();
}

Registry::Family<Gauge>* Registry::AddGauge(
    std::string name, std::string help, std::vector<std::string> label_names,
    size_t max_series) {
  Entry& entry =
      Add(std::move(name), std::move(help), Type::kGauge, label_names);
  entry.gauges.reset(new Family<Gauge>(std::move(label_names), max_series, [] {
    return std::make_unique<Gauge>();
  }));
  return entry.gauges.get();
}

Registry::Family<Histogram>* Registry::AddHistogram(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> bounds, size_t max_series) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Misuse("histogram bounds must be finite and ascending");
    }
  }
  Entry& entry =
      Add(std::move(name), std::move(help), Type::kHistogram, label_names);
  entry.histograms.reset(new Family<Histogram>(
      std::move(label_names), max_series,
      [bounds] { return std::make_unique<Histogram>(bounds); }));
  return entry.histograms.get();
}

void Registry::AddCallback(std::string name, std::string help, Type type,
                           std::vector<std::string> label_names,
                           std::function<std::vector<Sample>()> collect) {
  if (type == Type::kHistogram) Misuse("callback families are not histograms");
  Entry& entry = Add(std::move(name), std::move(help), type, label_names);
  entry.collect = std::move(collect);
}

std::string Registry::Render() const {
  std::vector<const Entry*> entries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries_) entries.push_back(entry.get());
  }
  std::string out;
  for (const Entry* entry : entries) {
    const std::string& name = entry->name;
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(entry->help), "\n",
                    "# TYPE ", name, " ", TypeName(entry->type), "\n");
    auto sample = [&](absl::string_view metric, const std::string& labels,
                      double value) {
      absl::StrAppend(&out, metric, labels, " ", FormatValue(value), "\n");
    };
    if (entry->collect) {
      // One line per label set, even if the callback repeated one.
      absl::flat_hash_map<std::string, bool> seen;
      for (const Sample& s : entry->collect()) {
        if (s.label_values.size() != entry->label_names.size()) continue;
        std::string labels = LabelText(entry->label_names, s.label_values);
        if (!seen.emplace(labels, true).second) continue;
        sample(name, labels, s.value);
      }
      continue;
    }
    auto each = [&](const auto& family, auto&& emit) {
      std::shared_lock<std::shared_mutex> lock(family.mutex_);
      for (const auto& [values, metric] : family.series_) emit(values, *metric);
    };
    if (entry->counters != nullptr) {
      each(*entry->counters, [&](const auto& values, const Counter& c) {
        sample(name, LabelText(entry->label_names, values),
               static_cast<double>(c.value()));
      });
    } else if (entry->gauges != nullptr) {
      each(*entry->gauges, [&](const auto& values, const Gauge& g) {
        sample(name, LabelText(entry->label_names, values), g.value());
      });
    } else if (entry->histograms != nullptr) {
      each(*entry->histograms, [&](const auto& values, const Histogram& h) {
        const Histogram::Snapshot snap = h.snapshot();
        const std::string bucket = absl::StrCat(name, "_bucket");
        for (size_t i = 0; i < h.bounds().size(); ++i) {
          sample(bucket,
                 LabelText(entry->label_names, values, "le",
                           FormatValue(h.bounds()[i])),
                 static_cast<double>(snap.cumulative[i]));
        }
        sample(bucket, LabelText(entry->label_names, values, "le", "+Inf"),
               static_cast<double>(snap.count));
        const std::string labels = LabelText(entry->label_names, values);
        sample(absl::StrCat(name, "_sum"), labels, snap.sum);
        sample(absl::StrCat(name, "_count"), labels,
               static_cast<double>(snap.count));
      });
    }
  }
  return out;
}

namespace {

// The fields of /proc/self/stat after the command name (which may hold
// spaces, so the split starts after its closing parenthesis); field 3
// (state) is index 0.
std::vector<std::string> ProcSelfStat() {
  std::ifstream file("/proc/self/stat");
  std::stringstream text;
  text << file.rdbuf();
  const std::string all = text.str();
  const size_t close = all.rfind(')');
  if (close == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(all).substr(close + 2), ' ',
                        absl::SkipEmpty());
}

double BootTimeSeconds() {
  std::ifstream file("/proc/stat");
  std::string line;
  while (std::getline(file, line)) {
    if (absl::StartsWith(line, "btime ")) return std::atof(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

void AddProcessMetrics(Registry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  registry.AddCallback(
      "process_cpu_seconds_total", "User and system CPU time spent, seconds.",
      Type::kCounter, {}, [ticks]() -> std::vector<Sample> {
        std::vector<std::string> f = ProcSelfStat();
        // utime and stime are fields 14 and 15.
        if (f.size() < 13 || ticks <= 0) return {};
        return {
            {{},
             (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / ticks}};
      });
  registry.AddCallback(
      "process_resident_memory_bytes", "Resident memory size, bytes.",
      Type::kGauge, {}, []() -> std::vector<Sample> {
        std::vector<std::string> f = ProcSelfStat();
        // rss (pages) is field 24.
        if (f.size() < 22) return {};
        return {{{},
                 std::atof(f[21].c_str()) *
                     static_cast<double>(sysconf(_SC_PAGESIZE))}};
      });
  registry.AddCallback(
      "process_open_fds", "Open file descriptors.", Type::kGauge, {},
      []() -> std::vector<Sample> {
        DIR* dir = opendir("/proc/self/fd");
        if (dir == nullptr) return {};
        double count = 0;
        while (dirent* item = readdir(dir)) {
          if (item->d_name[0] != '.') ++count;
        }
        closedir(dir);
        return {{{}, count - 1}};  // not the descriptor reading the list
      });
  const double boot = BootTimeSeconds();
  std::vector<std::string> f = ProcSelfStat();
  // starttime (ticks after boot) is field 22.
  const double start = (f.size() >= 20 && ticks > 0)
                           ? boot + std::atof(f[19].c_str()) / ticks
                           : 0;
  registry.AddCallback(
      "process_start_time_seconds",
      "Start time of the process since the Unix epoch, seconds.", Type::kGauge,
      {}, [start]() -> std::vector<Sample> {
        return {{{}, start}};
      });
}

}  // namespace latchkey::service::metrics
