// Storage benchmark: the hot repository calls on both backends, at a
// realistic table size (100k users, each with an email and a session).
//
//   bazel run -c opt //tools/bench:storage_bench --
//       --postgres_url=postgres://postgres@127.0.0.1:5432/postgres
//
// Without --postgres_url, LATCHKEY_TEST_POSTGRES_URL is used; without
// either, PostgreSQL is skipped (and said so). Each backend gets a fresh
// database (SQLite temp file, PostgreSQL schema) that is removed afterwards.
// Prints one table: operations per second and latency percentiles, with one
// client thread and with several.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"
#include "storage/user_cursor.h"

ABSL_FLAG(int, users, 100'000, "users (with an email and a session) to seed");
ABSL_FLAG(int, ops, 4'000, "timed operations per measurement");
ABSL_FLAG(int, threads, 4, "client threads for the concurrent measurement");
ABSL_FLAG(std::string, backends, "sqlite,postgres", "backends to measure");
ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL (default: $LATCHKEY_TEST_POSTGRES_URL)");

namespace latchkey::storage {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kProject[] = "00000000-0000-4000-8000-00000000beef";

std::string Id(char kind, int64_t n) {
  return absl::StrFormat("%c0000000-0000-4000-8000-%012d", kind, n);
}
std::string Email(int64_t n) {
  return absl::StrFormat("user%d@bench.example", n);
}
std::string TokenHash(int64_t n) { return absl::StrFormat("sha256:%064d", n); }
absl::Time SignedUp(int64_t n) {
  return absl::FromUnixSeconds(1'600'000'000) + absl::Milliseconds(n);
}

UserRecord NewUser(int64_t n) {
  UserRecord u;
  u.id = Id('a', n);
  u.project_id = kProject;
  u.display_name = absl::StrFormat("User %d", n);
  u.client_metadata_json = R"({"plan":"free"})";
  u.signed_up_at = SignedUp(n);
  u.last_active_at = u.signed_up_at;
  return u;
}

ContactChannelRecord NewEmail(int64_t n) {
  ContactChannelRecord c;
  c.id = Id('c', n);
  c.project_id = kProject;
  c.user_id = Id('a', n);
  c.value = Email(n);
  c.is_primary = true;
  c.used_for_auth = true;
  c.created_at = SignedUp(n);
  return c;
}

SessionRecord NewSession(int64_t n, int64_t user) {
  SessionRecord s;
  s.id = Id('s', n);
  s.project_id = kProject;
  s.user_id = Id('a', user);
  s.refresh_token_hash = TokenHash(n);
  s.rotation_family_id = s.id;
  s.created_at = SignedUp(n);
  s.expires_at = s.created_at + absl::Hours(24 * 365);
  return s;
}

absl::Status Seed(Database& db, int users) {
  LATCHKEY_RETURN_IF_ERROR(db.Run([](Repositories& r) {
    return r.projects().Create(
        {kProject, "Bench", std::nullopt, absl::UnixEpoch(), std::nullopt});
  }));
  constexpr int kBatch = 1000;
  for (int start = 0; start < users; start += kBatch) {
    LATCHKEY_RETURN_IF_ERROR(db.RunInTransaction([&](Repositories& r) {
      for (int n = start; n < std::min(users, start + kBatch); ++n) {
        LATCHKEY_RETURN_IF_ERROR(r.users().Create(NewUser(n)));
        LATCHKEY_RETURN_IF_ERROR(r.contact_channels().Create(NewEmail(n)));
        LATCHKEY_RETURN_IF_ERROR(r.sessions().Create(NewSession(n, n)));
      }
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

struct Measurement {
  std::string operation;
  int threads = 0;
  int64_t ops = 0;
  int64_t errors = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Runs `op(thread, i)` ops times in total across `threads` threads and
// records every call's latency.
Measurement Measure(const std::string& name, int threads, int ops,
                    const std::function<absl::Status(int, int)>& op) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int64_t> errors{0};
  const int per_thread = ops / threads;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(per_thread);
      for (int i = 0; i < per_thread; ++i) {
        const auto before = Clock::now();
        absl::Status status = op(t, i);
        const auto after = Clock::now();
        if (!status.ok()) {
          if (errors.fetch_add(1) == 0) {
            std::fprintf(stderr, "%s: %s\n", name.c_str(),
                         status.ToString().c_str());
          }
        }
        latencies[t].push_back(
            std::chrono::duration<double, std::micro>(after - before).count());
      }
    });
  }
  for (auto& w : workers) w.join();
  Measurement m;
  m.operation = name;
  m.threads = threads;
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  m.ops = static_cast<int64_t>(all.size());
  m.errors = errors.load();
  if (!all.empty()) {
    m.p50_us = all[all.size() / 2];
    m.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return m;
}

std::vector<Measurement> RunBackend(Database& db, int users, int ops,
                                    int threads) {
  std::atomic<int64_t> next_user{users};
  std::atomic<int64_t> next_session{users};
  auto random_user = [users] {
    // Declared inside the lambda so that each worker thread constructs its
    // own generator on first use.
    thread_local std::mt19937_64 rng(std::random_device{}());
    return std::uniform_int_distribution<int64_t>(0, users - 1)(rng);
  };
  struct Op {
    std::string name;
    std::function<absl::Status(int, int)> run;
  };
  const std::vector<Op> operations = {
      {"create user (user + email, 1 tx)",
       [&](int, int) {
         const int64_t n = next_user.fetch_add(1);
         return db.RunInTransaction([&](Repositories& r) {
           LATCHKEY_RETURN_IF_ERROR(r.users().Create(NewUser(n)));
           return r.contact_channels().Create(NewEmail(n));
         });
       }},
      {"look up user by email",
       [&](int, int) {
         return db.Run([&](Repositories& r) {
           return r.users()
               .FindByAuthEmail(kProject, Email(random_user()))
               .status();
         });
       }},
      {"create session",
       [&](int, int) {
         const int64_t n = next_session.fetch_add(1);
         return db.Run([&](Repositories& r) {
           return r.sessions().Create(NewSession(n, random_user()));
         });
       }},
      {"look up session+user by hash",
       [&](int, int) {
         return db.Run([&](Repositories& r) {
           return r.sessions()
               .FindByTokenHashWithUser(TokenHash(random_user()))
               .status();
         });
       }},
      {"list a page of 100 users",
       [&](int, int) {
         const int64_t n = random_user();
         UserListQuery q;
         q.cursor = EncodeUserCursor({SignedUp(n), Id('a', n), false});
         return db.Run([&](Repositories& r) {
           return r.users().List(kProject, q).status();
         });
       }},
  };
  std::vector<Measurement> out;
  for (const Op& op : operations) {
    for (int t : {1, threads}) {
      // Lists are ~100x heavier; fewer of them keep the run short.
      const int count = op.name.rfind("list", 0) == 0 ? ops / 4 : ops;
      out.push_back(Measure(op.name, t, count, op.run));
    }
  }
  return out;
}

int Main() {
  const int users = absl::GetFlag(FLAGS_users);
  const int ops = absl::GetFlag(FLAGS_ops);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  std::string pg_url = absl::GetFlag(FLAGS_postgres_url);
  if (pg_url.empty()) pg_url = testing::PostgresTestUrl();
  if (!pg_url.empty()) setenv("LATCHKEY_TEST_POSTGRES_URL", pg_url.c_str(), 1);

  std::printf("%-9s | %-33s | %3s | %7s | %10s | %9s | %9s | %s\n", "backend",
              "operation", "thr", "ops", "ops/s", "p50 us", "p99 us", "errors");
  std::printf("%s\n", std::string(110, '-').c_str());
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_backends), ',')) {
    const bool pg = name == "postgres";
    if (pg && pg_url.empty()) {
      std::printf(
          "%-9s | skipped: no --postgres_url or LATCHKEY_TEST_POSTGRES_URL\n",
          "postgres");
      continue;
    }
    auto scratch = testing::ScratchDatabase::Create(
        pg ? testing::TestBackend::kPostgres : testing::TestBackend::kSqlite);
    if (!scratch.ok()) {
      std::fprintf(stderr, "%s\n", scratch.status().ToString().c_str());
      return 1;
    }
    DatabaseOptions options;
    options.max_connections = threads + 1;
    auto db = OpenDatabase((*scratch)->url(), options);
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
      return 1;
    }
    const auto seed_start = Clock::now();
    absl::Status seeded = Seed(**db, users);
    if (!seeded.ok()) {
      std::fprintf(stderr, "seeding: %s\n", seeded.ToString().c_str());
      return 1;
    }
    std::fprintf(
        stderr, "%s: seeded %d users, emails and sessions in %.1f s\n",
        std::string(name).c_str(), users,
        std::chrono::duration<double>(Clock::now() - seed_start).count());
    for (const Measurement& m : RunBackend(**db, users, ops, threads)) {
      std::printf(
          "%-9s | %-33s | %3d | %7lld | %10.0f | %9.1f | %9.1f | %lld\n",
          std::string(name).c_str(), m.operation.c_str(), m.threads,
          static_cast<long long>(m.ops), m.ops / m.seconds, m.p50_us, m.p99_us,
          static_cast<long long>(m.errors));
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace latchkey::storage

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return latchkey::storage::Main();
}
