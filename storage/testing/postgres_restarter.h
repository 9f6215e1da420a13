#ifndef STORAGE_TESTING_POSTGRES_RESTARTER_H_
#define STORAGE_TESTING_POSTGRES_RESTARTER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace latchkey::storage::testing {

// Stops a local PostgreSQL server and starts it again, for tests of what
// clients see across a restart.
//
// Why not run pg_ctl from the test: Bazel's process-wrapper adopts every
// orphaned descendant of a test and SIGKILLs it when the test ends, so a
// server started by the test (even with setsid) dies right after it. The
// server therefore restarts itself: through COPY ... FROM PROGRAM (the
// connecting role must be a superuser, as ./tools/dev's is) it launches a
// detached helper, outside the test's process tree, that runs pg_ctl stop,
// waits for the test's go-ahead, and runs pg_ctl start with the server's
// original options. Not thread-safe.
class PostgresRestarter {
 public:
  // `url` reaches the server as a superuser; `pgdata` is its data
  // directory and `pg_bin` the directory holding pg_ctl.
  static absl::StatusOr<std::unique_ptr<PostgresRestarter>> Create(
      std::string url, std::string pgdata, std::string pg_bin);

  PostgresRestarter(const PostgresRestarter&) = delete;
  PostgresRestarter& operator=(const PostgresRestarter&) = delete;
  // Starts the server again if the test stopped it and did not restart it.
  ~PostgresRestarter();

  // Returns once the server has shut down (fast mode: open connections are
  // cut). DEADLINE_EXCEEDED after a minute; INTERNAL when the helper could
  // not be launched.
  absl::Status Stop();

  // Returns once the server accepts connections again (pg_ctl start -w).
  // DEADLINE_EXCEEDED after a minute.
  absl::Status Start();

 private:
  PostgresRestarter(std::string url, std::string pgdata, std::string pg_bin,
                    std::string marker)
      : url_(std::move(url)),
        pgdata_(std::move(pgdata)),
        pg_bin_(std::move(pg_bin)),
        marker_(std::move(marker)) {}

  std::string url_;
  std::string pgdata_;
  std::string pg_bin_;
  // Prefix of the files the helper and the test signal each other with.
  std::string marker_;
  bool stopped_ = false;
};

}  // namespace latchkey::storage::testing

#endif  // STORAGE_TESTING_POSTGRES_RESTARTER_H_
