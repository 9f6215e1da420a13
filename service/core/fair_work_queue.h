#ifndef SERVICE_CORE_FAIR_WORK_QUEUE_H_
#define SERVICE_CORE_FAIR_WORK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"

namespace latchkey::service::core {

// Runs jobs on `slots` threads of its own, taking turns between keys (the
// password hasher's keys are project ids). Each key has its own FIFO queue;
// a free slot goes to the key whose turn is next among those with a job
// waiting, and a key that just had a turn goes to the back. So a job
// submitted while another key has a long backlog waits for at most one job
// of each other busy key, never for the whole backlog; and a key that
// floods is refused once `max_waiting_per_key` of its jobs are waiting,
// instead of growing memory and delaying everyone.
//
// A job has a weight: how many slots' worth of resources (argon2 memory)
// it needs. It starts only when that many slots are free, so `slots` bounds
// the total weight running at once. The key whose turn it is keeps it until
// its job fits (later keys do not overtake it), so a heavy job is never
// starved by light ones. Weights above `slots` count as `slots`.
//
// Thread-safe.
class FairWorkQueue {
 public:
  struct Options {
    // Threads, and the total weight that may run at once; at least 1.
    int slots = 1;
    // Jobs of one key that may wait (not counting running ones); at least 1.
    size_t max_waiting_per_key = 8;
  };

  explicit FairWorkQueue(Options options);
  // Runs every job already queued, then joins the threads.
  ~FairWorkQueue();

  FairWorkQueue(const FairWorkQueue&) = delete;
  FairWorkQueue& operator=(const FairWorkQueue&) = delete;

  // Queues `job` under `key`; false (and `job` dropped) when `key` already
  // has max_waiting_per_key jobs waiting or the queue is shutting down.
  // `weight` below 1 counts as 1.
  bool TrySubmit(absl::string_view key, int weight, std::function<void()> job);

  // How many jobs of `key` are waiting (not running).
  size_t Waiting(absl::string_view key);

  int slots() const { return slots_; }

 private:
  struct Job {
    int weight = 1;
    std::function<void()> run;
  };

  void Run();
  // Whether a thread may take the job whose turn it is (mutex_ held).
  bool NextFits() const;

  const int slots_;
  const size_t max_waiting_per_key_;
  std::mutex mutex_;
  std::condition_variable changed_;
  // Only keys with at least one waiting job.
  std::map<std::string, std::deque<Job>, std::less<>> waiting_;
  // The keys of waiting_, each once, in turn order.
  std::deque<std::string> turns_;
  int free_slots_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_FAIR_WORK_QUEUE_H_
