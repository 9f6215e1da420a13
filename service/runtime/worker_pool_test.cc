#include "service/runtime/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

TEST(WorkerPool, RunsEveryQueuedTaskBeforeShutdownReturns) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
    }
    pool.Shutdown();
    EXPECT_EQ(ran.load(), 500);
  }
}

TEST(WorkerPool, RefusesWorkWhenTheQueueIsFull) {
  WorkerPool pool(1, 2);
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  bool started = false;
  // Occupy the only worker until told.
  ASSERT_TRUE(pool.TrySubmit([&] {
    std::unique_lock<std::mutex> lock(mutex);
    started = true;
    released.notify_all();
    released.wait(lock, [&] { return release; });
  }));
  {
    std::unique_lock<std::mutex> lock(mutex);
    released.wait(lock, [&] { return started; });
  }
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  released.notify_all();
  pool.Shutdown();
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace latchkey::service
