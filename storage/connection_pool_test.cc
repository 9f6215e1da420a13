#include "storage/connection_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace latchkey::storage {
namespace {

struct FakeConn {
  int id;
};

TEST(ConnectionPoolTest, ReusesReleasedConnections) {
  int opened = 0;
  ConnectionPool<FakeConn> pool(
      [&] { return std::make_unique<FakeConn>(FakeConn{++opened}); }, 2,
      absl::Seconds(1));
  {
    auto a = pool.Acquire();
    ASSERT_TRUE(a.ok());
  }
  {
    auto b = pool.Acquire();
    ASSERT_TRUE(b.ok());
    EXPECT_EQ((*b)->id, 1);
  }
  EXPECT_EQ(opened, 1);
}

TEST(ConnectionPoolTest, DiscardedConnectionsAreReplaced) {
  int opened = 0;
  ConnectionPool<FakeConn> pool(
      [&] { return std::make_unique<FakeConn>(FakeConn{++opened}); }, 1,
      absl::Seconds(1));
  {
    auto a = pool.Acquire();
    ASSERT_TRUE(a.ok());
    a->Discard();
  }
  auto b = pool.Acquire();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->id, 2);
}

TEST(ConnectionPoolTest, ExhaustedPoolTimesOutUnavailable) {
  ConnectionPool<FakeConn> pool(
      [] { return std::make_unique<FakeConn>(FakeConn{1}); }, 1,
      absl::Milliseconds(20));
  auto held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
}

TEST(ConnectionPoolTest, FactoryErrorsPassThroughAndFreeTheSlot) {
  bool fail = true;
  ConnectionPool<FakeConn> pool(
      [&]() -> absl::StatusOr<std::unique_ptr<FakeConn>> {
        if (fail) return absl::UnavailableError("down");
        return std::make_unique<FakeConn>(FakeConn{1});
      },
      1, absl::Milliseconds(20));
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
  fail = false;
  EXPECT_TRUE(pool.Acquire().ok());
}

TEST(ConnectionPoolTest, NeverExceedsTheBoundUnderContention) {
  std::atomic<int> in_use{0};
  std::atomic<int> max_seen{0};
  ConnectionPool<FakeConn> pool(
      [] { return std::make_unique<FakeConn>(FakeConn{0}); }, 3,
      absl::Seconds(10));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto lease = pool.Acquire();
        ASSERT_TRUE(lease.ok());
        const int now = ++in_use;
        int seen = max_seen.load();
        while (now > seen && !max_seen.compare_exchange_weak(seen, now)) {
        }
        --in_use;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_seen.load(), 3);
}

}  // namespace
}  // namespace latchkey::storage
