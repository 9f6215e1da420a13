#include "storage/database.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/blocking_scope.h"
#include "common/string_views.h"
#include "storage/errors.h"
#include "storage/postgres/pg_backend.h"
#include "storage/sqlite/sqlite_backend.h"

namespace latchkey::storage {
namespace {

// Randomized exponential backoff between transaction attempts, so that
// the transactions that collided do not collide again in lockstep.
// Inside a common::NonBlockingScope the caller must not wait for the
// database; its attempt is run again where it may.
absl::Status RefusedWait() {
  return absl::UnavailableError(
      "database call refused: this thread may not wait on I/O");
}

void BackOff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int cap_us = 1000 << std::min(attempt, 6);  // 1 ms .. 64 ms.
  std::uniform_int_distribution<int> jitter(cap_us / 2, cap_us);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(rng)));
}

}  // namespace

Database::Database(std::unique_ptr<Backend> backend, DatabaseOptions options)
    : backend_(std::move(backend)), options_(std::move(options)) {}

Database::~Database() = default;

class Database::CallCounter {
 public:
  explicit CallCounter(Database& database) : database_(database) {
    database_.calls_.fetch_add(1, std::memory_order_relaxed);
    database_.in_use_.fetch_add(1, std::memory_order_relaxed);
  }
  ~CallCounter() { database_.in_use_.fetch_sub(1, std::memory_order_relaxed); }
  absl::Status Done(absl::Status status) {
    if (absl::IsUnavailable(status)) {
      database_.unavailable_.fetch_add(1, std::memory_order_relaxed);
    }
    return status;
  }

 private:
  Database& database_;
};

class Database::WriteNoticingExecutor : public SqlExecutor {
 public:
  explicit WriteNoticingExecutor(SqlExecutor& inner) : inner_(inner) {}

  Dialect dialect() const override { return inner_.dialect(); }

  using SqlExecutor::Execute;
  absl::StatusOr<SqlResult> Execute(
      std::string_view sql, absl::Span<const SqlParam> params) override {
    // Anything but a plain SELECT counts as a write; counting too much
    // only costs a cache a miss.
    if (!IsSelect(sql)) wrote_ = true;
    return inner_.Execute(sql, params);
  }

  bool wrote() const { return wrote_; }

 private:
  static bool IsSelect(std::string_view sql) {
    size_t at = 0;
    while (at < sql.size() &&
           (absl::ascii_isspace(sql[at]) || sql[at] == '(')) {
      ++at;
    }
    constexpr std::string_view kSelect = "select";
    if (sql.size() - at < kSelect.size()) return false;
    for (size_t i = 0; i < kSelect.size(); ++i) {
      if (absl::ascii_tolower(sql[at + i]) != kSelect[i]) return false;
    }
    const size_t next = at + kSelect.size();
    return next == sql.size() || !absl::ascii_isalnum(sql[next]);
  }

  SqlExecutor& inner_;
  bool wrote_ = false;
};

// Runs `fn` on repositories over `executor`, setting `wrote` when any
// statement it ran may have written.
absl::Status Database::RunNoticingWrites(
    SqlExecutor& executor, absl::FunctionRef<absl::Status(Repositories&)> fn,
    bool& wrote) {
  WriteNoticingExecutor noticing(executor);
  Repositories repositories(noticing);
  absl::Status result = fn(repositories);
  wrote = noticing.wrote();
  return result;
}

Database::Stats Database::stats() const {
  return {in_use_.load(std::memory_order_relaxed),
          calls_.load(std::memory_order_relaxed),
          unavailable_.load(std::memory_order_relaxed),
          conflicts_.load(std::memory_order_relaxed),
          gave_up_.load(std::memory_order_relaxed)};
}

absl::Status Database::Ping() {
  absl::Status status = backend_->Ping();
  if (absl::IsUnavailable(status)) {
    unavailable_.fetch_add(1, std::memory_order_relaxed);
  }
  return status;
}

std::string_view Database::backend_name() const { return backend_->name(); }

absl::Status Database::RunInTransaction(
    absl::FunctionRef<absl::Status(Repositories&)> fn) {
  return RunInTransaction(Isolation::kSnapshot, fn);
}

absl::Status Database::RunInTransaction(
    Isolation isolation, absl::FunctionRef<absl::Status(Repositories&)> fn) {
  if (!common::MayBlock()) return RefusedWait();
  CallCounter counter(*this);
  const int attempts = std::max(1, options_.max_transaction_attempts);
  absl::Status status;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    bool wrote = false;
    status =
        backend_->RunTransactionOnce(isolation, [&](SqlExecutor& executor) {
          return RunNoticingWrites(executor, fn, wrote);
        });
    // After the commit (or the rollback: counting it too is harmless).
    if (wrote) write_generation_.fetch_add(1, std::memory_order_seq_cst);
    if (!IsRetryableConflict(status)) return counter.Done(status);
    conflicts_.fetch_add(1, std::memory_order_relaxed);
  }
  gave_up_.fetch_add(1, std::memory_order_relaxed);
  return absl::AbortedError(absl::StrCat(
      "gave up after ", attempts, " conflicting attempts: ", status.message()));
}

absl::Status Database::Run(absl::FunctionRef<absl::Status(Repositories&)> fn) {
  if (!common::MayBlock()) return RefusedWait();
  CallCounter counter(*this);
  bool wrote = false;
  absl::Status status = backend_->RunAutocommit([&](SqlExecutor& executor) {
    return RunNoticingWrites(executor, fn, wrote);
  });
  // Each statement committed on its own, so all have by now.
  if (wrote) write_generation_.fetch_add(1, std::memory_order_seq_cst);
  return counter.Done(status);
}

absl::Status Database::RunLossTolerant(
    absl::FunctionRef<absl::Status(Repositories&)> fn) {
  if (!common::MayBlock()) return RefusedWait();
  CallCounter counter(*this);
  return counter.Done(backend_->RunLossTolerant([&](SqlExecutor& executor) {
    Repositories repositories(executor);
    return fn(repositories);
  }));
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(
    std::string_view url, const DatabaseOptions& options) {
  std::unique_ptr<Backend> backend;
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    absl::StatusOr<std::unique_ptr<Backend>> pg =
        postgres::OpenPostgresBackend(url, options);
    if (!pg.ok()) return pg.status();
    backend = *std::move(pg);
  } else if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);
    absl::StatusOr<std::unique_ptr<Backend>> lite =
        sqlite::OpenSqliteBackend(path, options);
    if (!lite.ok()) return lite.status();
    backend = *std::move(lite);
  } else {
    const std::string_view scheme = url.substr(0, url.find(':'));
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported database URL scheme '", common::Absl(scheme),
        "': expected sqlite:PATH, postgres://... or postgresql://..."));
  }
  return std::make_unique<Database>(std::move(backend), options);
}

}  // namespace latchkey::storage
