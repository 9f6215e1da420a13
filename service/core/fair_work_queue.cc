#include "service/core/fair_work_queue.h"

#include <algorithm>
#include <utility>

namespace latchkey::service::core {

FairWorkQueue::FairWorkQueue(Options options)
    : slots_(std::max(1, options.slots)),
      max_waiting_per_key_(std::max<size_t>(1, options.max_waiting_per_key)),
      free_slots_(slots_) {
  threads_.reserve(slots_);
  for (int i = 0; i < slots_; ++i) threads_.emplace_back([this] { Run(); });
}

FairWorkQueue::~FairWorkQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool FairWorkQueue::TrySubmit(absl::string_view key, int weight,
                              std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    auto it = waiting_.find(key);
    if (it == waiting_.end()) {
      it = waiting_.emplace(std::string(key), std::deque<Job>()).first;
      turns_.push_back(it->first);
    } else if (it->second.size() >= max_waiting_per_key_) {
      return false;
    }
    it->second.push_back(Job{std::clamp(weight, 1, slots_), std::move(job)});
  }
  // Every thread waits on the same condition; any one may take the job.
  changed_.notify_one();
  return true;
}

size_t FairWorkQueue::Waiting(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = waiting_.find(key);
  return it == waiting_.end() ? 0 : it->second.size();
}

bool FairWorkQueue::NextFits() const {
  if (turns_.empty()) return false;
  return waiting_.find(turns_.front())->second.front().weight <= free_slots_;
}

void FairWorkQueue::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(
        lock, [this] { return NextFits() || (stopping_ && turns_.empty()); });
    if (!NextFits()) return;  // Stopping, and nothing left to run.
    std::string key = std::move(turns_.front());
    turns_.pop_front();
    auto it = waiting_.find(key);
    Job job = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) {
      waiting_.erase(it);
    } else {
      turns_.push_back(std::move(key));
    }
    free_slots_ -= job.weight;
    lock.unlock();
    job.run();
    job.run = nullptr;  // Whatever it captured goes before the next turn.
    lock.lock();
    free_slots_ += job.weight;
    // A heavy job whose turn it is may fit only now; and another thread
    // may be waiting for the key just queued behind it.
    changed_.notify_all();
  }
}

}  // namespace latchkey::service::core
