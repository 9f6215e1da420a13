#ifndef SERVICE_RUNTIME_WORKER_POOL_H_
#define SERVICE_RUNTIME_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace latchkey::service {

// A fixed set of threads running submitted tasks in order, with a bounded
// queue so that overload is refused rather than queued without limit.
// Method handlers run here, off gRPC's own threads, because they block on
// the database and on password hashing. Thread-safe.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  // Runs every task already queued, then joins the threads.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped) when the queue is full or the
  // pool is shutting down.
  bool TrySubmit(std::function<void()> task);

  // Stops taking tasks, runs the queued ones, joins the threads. Idempotent.
  void Shutdown();

  // Tasks waiting for a thread, and tasks running (for metrics).
  size_t queued() const;
  size_t running() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::atomic<size_t> running_{0};
  std::vector<std::thread> threads_;
};

}  // namespace latchkey::service

#endif  // SERVICE_RUNTIME_WORKER_POOL_H_
