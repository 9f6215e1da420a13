#include "storage/testing/postgres_restarter.h"

#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"

namespace latchkey::storage::testing {
namespace {

// The helper, as a fixed script; everything variable arrives in the
// environment. It gives up waiting after a minute and starts the server
// anyway, so a crashed test cannot leave it down.
constexpr char kHelperScript[] =
    "\"$LK_BIN/pg_ctl\" -D \"$LK_PGDATA\" stop -m fast -w >/dev/null 2>&1;"
    " touch \"$LK_MARKER.stopped\";"
    " n=0; while [ ! -e \"$LK_MARKER.go\" ] && [ $n -lt 1200 ]; do"
    " sleep 0.05; n=$((n+1)); done;"
    " \"$LK_BIN/pg_ctl\" -D \"$LK_PGDATA\" -w -t 60"
    " -l \"$LK_PGDATA/latchkey_restarted.log\""
    " -o \"$LK_OPTS\" start >/dev/null 2>&1;"
    " touch \"$LK_MARKER.done\"";

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// postmaster.opts holds the running server's command line:
// `/path/postgres "-D" "/data" "-p" "5432" ...`. pg_ctl supplies -D itself.
std::string ServerOptions(const std::string& pgdata) {
  std::ifstream file(pgdata + "/postmaster.opts");
  std::string line;
  std::getline(file, line);
  std::string rest = line.substr(std::min(line.find(' '), line.size()));
  const size_t d = rest.find("\"-D\" \"");
  if (d != std::string::npos) {
    const size_t end = rest.find('"', d + 6);
    if (end != std::string::npos) rest.erase(d, end + 1 - d);
  }
  return rest;
}

bool WaitForFile(const std::string& path) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    // Waiting on another process's progress, not papering over a race.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

absl::Status Check(PGconn* conn, PGresult* result, const char* what) {
  const ExecStatusType status = PQresultStatus(result);
  absl::Status out = absl::OkStatus();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = absl::InternalError(absl::StrCat(what, ": ", PQerrorMessage(conn)));
  }
  PQclear(result);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresRestarter>> PostgresRestarter::Create(
    std::string url, std::string pgdata, std::string pg_bin) {
  if (!std::filesystem::exists(pgdata + "/postmaster.opts")) {
    return absl::FailedPreconditionError(
        absl::StrCat("no running cluster at ", pgdata));
  }
  std::random_device random;
  std::string marker = absl::StrCat("/tmp/latchkey_pg_restart_", getpid(), "_",
                                    random() % 1000000);
  return std::unique_ptr<PostgresRestarter>(new PostgresRestarter(
      std::move(url), std::move(pgdata), std::move(pg_bin), std::move(marker)));
}

PostgresRestarter::~PostgresRestarter() {
  if (stopped_) Start().IgnoreError();
  // The restarted server's log stays in its data directory.
  for (const char* suffix : {".stopped", ".go", ".done"}) {
    std::error_code ignored;
    std::filesystem::remove(marker_ + suffix, ignored);
  }
}

absl::Status PostgresRestarter::Stop() {
  const std::string program = absl::StrCat(
      "LK_BIN=", ShellQuote(pg_bin_), " LK_PGDATA=", ShellQuote(pgdata_),
      " LK_OPTS=", ShellQuote(ServerOptions(pgdata_)),
      " LK_MARKER=", ShellQuote(marker_), " setsid sh -c ",
      ShellQuote(kHelperScript), " </dev/null >/dev/null 2>&1 & echo started");
  PGconn* conn = PQconnectdb(url_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(PQerrorMessage(conn));
    PQfinish(conn);
    return status;
  }
  // COPY takes no bound parameters, so the program travels as a bound
  // set_config value and format(%L) quotes it on the server.
  const char* values[] = {program.c_str()};
  absl::Status status = Check(
      conn,
      PQexecParams(conn,
                   "SELECT set_config('latchkey.restart_program', $1, false)",
                   1, nullptr, values, nullptr, nullptr, 0),
      "set_config");
  if (status.ok()) {
    status = Check(conn,
                   PQexec(conn,
                          "CREATE TEMP TABLE latchkey_restart (line text);"
                          " DO $$ BEGIN EXECUTE format('COPY latchkey_restart"
                          " FROM PROGRAM %L', current_setting("
                          "'latchkey.restart_program')); END $$"),
                   "COPY FROM PROGRAM");
  }
  PQfinish(conn);
  if (!status.ok()) return status;
  stopped_ = true;
  if (!WaitForFile(marker_ + ".stopped")) {
    return absl::DeadlineExceededError("the server did not stop");
  }
  return absl::OkStatus();
}

absl::Status PostgresRestarter::Start() {
  if (!stopped_) return absl::OkStatus();
  std::ofstream(marker_ + ".go").put('\n');
  stopped_ = false;
  if (!WaitForFile(marker_ + ".done")) {
    return absl::DeadlineExceededError("the server did not start");
  }
  return absl::OkStatus();
}

}  // namespace latchkey::storage::testing
