#include "service/runtime/metrics.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace latchkey::service::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, CounterFamilyRendersHelpTypeAndOneLinePerLabelSet) {
  Registry registry;
  auto* calls = registry.AddCounter("demo_calls_total", "Calls made.",
                                    {"method", "code"});
  calls->WithLabels({"Get", "OK"})->Increment();
  calls->WithLabels({"Get", "OK"})->Increment(2);
  calls->WithLabels({"Put", "NotFound"})->Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP demo_calls_total Calls made.\n"
            "# TYPE demo_calls_total counter\n"
            "demo_calls_total{method=\"Get\",code=\"OK\"} 3\n"
            "demo_calls_total{method=\"Put\",code=\"NotFound\"} 1\n");
}

TEST(MetricsTest, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry registry;
  auto* latency =
      registry.AddHistogram("demo_seconds", "Latency.", {"m"}, {0.1, 1});
  Histogram* h = latency->WithLabels({"a"});
  h->Observe(0.05);
  h->Observe(0.1);  // on the bound: counted in le="0.1"
  h->Observe(0.5);
  h->Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP demo_seconds Latency.\n"
            "# TYPE demo_seconds histogram\n"
            "demo_seconds_bucket{m=\"a\",le=\"0.1\"} 2\n"
            "demo_seconds_bucket{m=\"a\",le=\"1\"} 3\n"
            "demo_seconds_bucket{m=\"a\",le=\"+Inf\"} 4\n"
            "demo_seconds_sum{m=\"a\"} 7.65\n"
            "demo_seconds_count{m=\"a\"} 4\n");
}

TEST(MetricsTest, EscapesHelpAndLabelValues) {
  Registry registry;
  auto* g = registry.AddGauge("demo_gauge", "a \\ b\nc", {"v"});
  g->WithLabels({"x\"y\\z\nw"})->Set(-1.5);
  EXPECT_EQ(registry.Render(),
            "# HELP demo_gauge a \\\\ b\\nc\n"
            "# TYPE demo_gauge gauge\n"
            "demo_gauge{v=\"x\\\"y\\\\z\\nw\"} -1.5\n");
}

TEST(MetricsTest, LabelSetsPastTheCapShareTheOtherSeries) {
  Registry registry;
  auto* family = registry.AddCounter("demo_total", "d", {"k"}, 2);
  family->WithLabels({"a"})->Increment();
  family->WithLabels({"b"})->Increment();
  for (int i = 0; i < 100; ++i) {
    family->WithLabels({std::to_string(i)})->Increment();
  }
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("demo_total{k=\"other\"} 100\n"));
  EXPECT_THAT(text, Not(HasSubstr("k=\"5\"")));
  EXPECT_EQ(family->WithLabels({"a"})->value(), 1u);
}

TEST(MetricsTest, CallbackFamiliesAreComputedAtScrapeAndDeduplicated) {
  Registry registry;
  int calls = 0;
  registry.AddCallback("demo_queue", "Queue depth.", Type::kGauge, {"q"},
                       [&calls]() -> std::vector<Sample> {
                         ++calls;
                         return {{{"mail"}, 3}, {{"mail"}, 4}, {{"hash"}, 0}};
                       });
  EXPECT_EQ(registry.Render(),
            "# HELP demo_queue Queue depth.\n"
            "# TYPE demo_queue gauge\n"
            "demo_queue{q=\"mail\"} 3\n"
            "demo_queue{q=\"hash\"} 0\n");
  EXPECT_EQ(calls, 1);
}

TEST(MetricsTest, UnlabelledFamilyAndSpecialValues) {
  Registry registry;
  registry.AddGauge("demo_inf", "i")->WithLabels({})->Set(1.0 / 0.0);
  registry.AddGauge("demo_big", "b")->WithLabels({})->Set(1e21);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("demo_inf +Inf\n"));
  EXPECT_THAT(text, HasSubstr("demo_big 1e+21\n"));
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  auto* family = registry.AddCounter("demo_total", "d", {"t"});
  auto* latency = registry.AddHistogram("demo_seconds", "d", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        family->WithLabels({t % 2 == 0 ? "even" : "odd"})->Increment();
        latency->WithLabels({})->Observe(0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family->WithLabels({"even"})->value(), 20000u);
  EXPECT_EQ(family->WithLabels({"odd"})->value(), 20000u);
  EXPECT_EQ(latency->WithLabels({})->snapshot().count, 40000u);
}

TEST(MetricsTest, ProcessMetricsAreReported) {
  Registry registry;
  AddProcessMetrics(registry);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(text, HasSubstr("\nprocess_open_fds "));
  EXPECT_THAT(text, HasSubstr("\nprocess_start_time_seconds 1"));
}

TEST(MetricsDeathTest, RejectsBadNames) {
  Registry registry;
  EXPECT_DEATH(registry.AddCounter("demo", "no _total"), "_total");
  EXPECT_DEATH(registry.AddGauge("1bad", "x"), "bad metric name");
  EXPECT_DEATH(registry.AddGauge("ok", "x", {"__reserved"}), "bad label");
  registry.AddGauge("twice", "x");
  EXPECT_DEATH(registry.AddGauge("twice", "x"), "duplicate");
}

}  // namespace
}  // namespace latchkey::service::metrics
