#include "service/core/fair_work_queue.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace latchkey::service::core {
namespace {

// The order in which jobs ran, by name.
class Recorder {
 public:
  void Add(std::string name) {
    std::lock_guard<std::mutex> lock(mutex_);
    names_.push_back(std::move(name));
  }
  std::vector<std::string> names() {
    std::lock_guard<std::mutex> lock(mutex_);
    return names_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> names_;
};

// Submits a job of `key` that records `name` and counts down `done`.
bool Submit(FairWorkQueue& queue, const std::string& key,
            const std::string& name, Recorder& recorder, std::latch& done,
            int weight = 1) {
  return queue.TrySubmit(key, weight, [&recorder, &done, name] {
    recorder.Add(name);
    done.count_down();
  });
}

// Occupies the one slot of `queue` under `key` until `release` opens; returns
// once the job is running, so that everything submitted afterwards waits.
void Occupy(FairWorkQueue& queue, const std::string& key, Recorder& recorder,
            std::latch& release, std::latch& done) {
  std::latch running(1);
  ASSERT_TRUE(queue.TrySubmit(key, 1, [&] {
    recorder.Add(key + "-first");
    running.count_down();
    release.wait();
    done.count_down();
  }));
  running.wait();
}

TEST(FairWorkQueue, AnotherKeysJobRunsBeforeABacklogDrains) {
  // One slot. Project a fills the queue with ten jobs, then b and c submit
  // one each: they run after one more of a's jobs, not after all ten.
  FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 100});
  Recorder recorder;
  std::latch release(1);
  std::latch done(1 + 10 + 2);
  Occupy(queue, "a", recorder, release, done);
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(Submit(queue, "a", "a" + std::to_string(i), recorder, done));
  }
  ASSERT_TRUE(Submit(queue, "b", "b1", recorder, done));
  ASSERT_TRUE(Submit(queue, "c", "c1", recorder, done));
  EXPECT_EQ(queue.Waiting("a"), 10u);
  EXPECT_EQ(queue.Waiting("b"), 1u);
  release.count_down();
  done.wait();
  const std::vector<std::string> expected = {"a-first", "a1", "b1", "c1", "a2",
                                             "a3",      "a4", "a5", "a6", "a7",
                                             "a8",      "a9", "a10"};
  EXPECT_EQ(recorder.names(), expected);
}

TEST(FairWorkQueue, TurnsAlternateBetweenTwoBacklogs) {
  FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 100});
  Recorder recorder;
  std::latch release(1);
  std::latch done(1 + 3 + 3);
  Occupy(queue, "a", recorder, release, done);
  for (const char* name : {"a1", "a2", "a3"}) {
    ASSERT_TRUE(Submit(queue, "a", name, recorder, done));
  }
  for (const char* name : {"b1", "b2", "b3"}) {
    ASSERT_TRUE(Submit(queue, "b", name, recorder, done));
  }
  release.count_down();
  done.wait();
  const std::vector<std::string> expected = {"a-first", "a1", "b1", "a2",
                                             "b2",      "a3", "b3"};
  EXPECT_EQ(recorder.names(), expected);
}

TEST(FairWorkQueue, AFullKeyIsRefusedWhileOthersAreStillServed) {
  FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 2});
  Recorder recorder;
  std::latch release(1);
  std::latch done(1 + 2 + 1);
  Occupy(queue, "a", recorder, release, done);
  EXPECT_TRUE(Submit(queue, "a", "a1", recorder, done));
  EXPECT_TRUE(Submit(queue, "a", "a2", recorder, done));
  // Refused: the job is dropped and never runs (done would go negative).
  EXPECT_FALSE(Submit(queue, "a", "a3", recorder, done));
  EXPECT_TRUE(Submit(queue, "b", "b1", recorder, done));
  release.count_down();
  done.wait();
  const std::vector<std::string> expected = {"a-first", "a1", "b1", "a2"};
  EXPECT_EQ(recorder.names(), expected);
  // Once its jobs ran, the key may queue again.
  std::latch again(1);
  EXPECT_TRUE(Submit(queue, "a", "a4", recorder, again));
  again.wait();
}

TEST(FairWorkQueue, AHeavyJobWaitsForItsWeightAndIsNotOvertaken) {
  // Two slots: x holds one; h needs both, so it waits for x although a
  // thread is free, and l (submitted after h) does not overtake it.
  FairWorkQueue queue({.slots = 2, .max_waiting_per_key = 8});
  Recorder recorder;
  std::atomic<int> in_use{0};
  std::atomic<int> most_in_use{0};
  auto use = [&](int weight) {
    const int now = in_use.fetch_add(weight) + weight;
    int seen = most_in_use.load();
    while (now > seen && !most_in_use.compare_exchange_weak(seen, now)) {
    }
  };
  std::latch running(1);
  std::latch release(1);
  std::latch done(3);
  ASSERT_TRUE(queue.TrySubmit("x", 1, [&] {
    use(1);
    running.count_down();
    release.wait();
    recorder.Add("x");
    in_use -= 1;
    done.count_down();
  }));
  running.wait();
  ASSERT_TRUE(queue.TrySubmit("h", 2, [&] {
    use(2);
    recorder.Add("h");
    in_use -= 2;
    done.count_down();
  }));
  ASSERT_TRUE(queue.TrySubmit("l", 1, [&] {
    use(1);
    recorder.Add("l");
    in_use -= 1;
    done.count_down();
  }));
  release.count_down();
  done.wait();
  const std::vector<std::string> expected = {"x", "h", "l"};
  EXPECT_EQ(recorder.names(), expected);
  EXPECT_LE(most_in_use.load(), 2);
}

TEST(FairWorkQueue, AWeightAboveTheSlotsStillRuns) {
  FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 8});
  std::latch done(1);
  ASSERT_TRUE(queue.TrySubmit("a", 5, [&] { done.count_down(); }));
  done.wait();
}

TEST(FairWorkQueue, DestructionRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 8});
    std::latch release(1);
    std::latch running(1);
    ASSERT_TRUE(queue.TrySubmit("a", 1, [&] {
      running.count_down();
      release.wait();
      ++ran;
    }));
    running.wait();
    for (const char* key : {"a", "b", "a"}) {
      ASSERT_TRUE(queue.TrySubmit(key, 1, [&] { ++ran; }));
    }
    release.count_down();
  }
  EXPECT_EQ(ran.load(), 4);
}

}  // namespace
}  // namespace latchkey::service::core
