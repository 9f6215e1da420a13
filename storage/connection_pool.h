#ifndef STORAGE_CONNECTION_POOL_H_
#define STORAGE_CONNECTION_POOL_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace latchkey::storage {

// A bounded pool of connections of type `Conn`, opened lazily by a factory.
// Callers hold a Lease while using a connection; a lease marked Discard()
// closes its connection instead of returning it (after errors that leave a
// connection unusable). Thread-safe; uses std::mutex so TSan understands it.
template <typename Conn>
class ConnectionPool {
 public:
  using Factory = std::function<absl::StatusOr<std::unique_ptr<Conn>>()>;

  // Exclusive use of one connection until destroyed. Movable, not copyable.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          conn_(std::move(other.conn_)),
          discard_(other.discard_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Release(std::move(conn_), discard_);
    }
    Conn* operator->() const { return conn_.get(); }
    Conn& operator*() const { return *conn_; }
    // Closes the connection on release instead of pooling it.
    void Discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
    bool discard_ = false;
  };

  ConnectionPool(Factory factory, int max_size, absl::Duration wait_timeout)
      : factory_(std::move(factory)),
        max_size_(max_size < 1 ? 1 : max_size),
        wait_timeout_(wait_timeout) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Adds an already open connection (the one migrations ran on).
  void Adopt(std::unique_ptr<Conn> conn) {
    std::lock_guard<std::mutex> lock(mu_);
    ++open_;
    idle_.push_back(std::move(conn));
  }

  // Returns an idle connection, or opens one while under the bound, or
  // waits for one. Returns the factory's error (the pool stays usable), or
  // UNAVAILABLE after waiting the full wait timeout.
  absl::StatusOr<Lease> Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() +
                          absl::ToChronoNanoseconds(wait_timeout_);
    while (idle_.empty() && open_ >= max_size_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
          idle_.empty() && open_ >= max_size_) {
        return absl::UnavailableError(absl::StrCat(
            "all ", max_size_, " database connections stayed busy for ",
            absl::FormatDuration(wait_timeout_)));
      }
    }
    if (!idle_.empty()) {
      // Most recently used first: it is the likeliest to be warm.
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;
    lock.unlock();
    absl::StatusOr<std::unique_ptr<Conn>> conn = factory_();
    if (!conn.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
      return conn.status();
    }
    return Lease(this, *std::move(conn));
  }

  // Closes every idle connection (e.g. after the server restarted, all of
  // them are dead). Leased ones are unaffected.
  void DropIdle() {
    std::vector<std::unique_ptr<Conn>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ -= static_cast<int>(idle_.size());
      dropped.swap(idle_);
    }
    cv_.notify_all();
  }

 private:
  void Release(std::unique_ptr<Conn> conn, bool discard) {
    std::unique_ptr<Conn> closing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (discard) {
        --open_;
        closing = std::move(conn);  // Closed outside the lock.
      } else {
        idle_.push_back(std::move(conn));
      }
    }
    cv_.notify_one();
  }

  const Factory factory_;
  const int max_size_;
  const absl::Duration wait_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // Guarded by mu_.
  int open_ = 0;                             // Guarded by mu_.
};

}  // namespace latchkey::storage

#endif  // STORAGE_CONNECTION_POOL_H_
