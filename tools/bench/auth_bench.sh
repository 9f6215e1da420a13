#!/usr/bin/env bash
# The sign-in path and the two calls an app makes most, over REST (wrk), on
# SQLite and on PostgreSQL:
#   - POST /auth/password/sign-in with the default argon2id parameters,
#     next to the pure argon2id hash rate of //crypto on the same core
#     (crypto_bench), so the service's own overhead shows as a ratio;
#   - POST /auth/sessions/current/refresh (a reusable refresh token);
#   - GET /users/me (an access token);
#   - GET /projects/current, a cheap authenticated call, as the reference.
# Each with requests/s, p50 and p99, then the server's resident memory
# (at start and after the run).
# Built with -c opt; the server on CPU 0 and wrk on CPU 1 (PIN=0: no
# pinning). PostgreSQL is a private cluster with its default (durable)
# settings, started and removed by the script; BACKENDS=sqlite skips it.
#
# The project's abuse limits are raised for the run (sign-in per account:
# one-second windows, over 64 accounts; refresh: 10^6 per hour), so that
# the limiter's bookkeeping is measured but never refuses a call.
#
#   tools/bench/auth_bench.sh
#   SECONDS_PER_RUN=20 CONNECTIONS=32 tools/bench/auth_bench.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source tools/bench/bench_lib.sh

seconds="${SECONDS_PER_RUN:-10}"
connections="${CONNECTIONS:-16}"
backends="${BACKENDS:-sqlite postgres}"
accounts=64
password="correct horse battery staple"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 1; }

bench_build //tools/bench:crypto_bench
client_headers=(-H 'x-stack-project-id: internal' -H 'x-stack-access-type: client')

# The pure hash rate: argon2id at the defaults, one core, no service. Run
# before and after the service runs; the faster one counts (noise on a
# shared machine only ever slows it down).
measure_hash_rate() {
  "${server_pin[@]}" "$bench_bin/tools/bench/crypto_bench" \
    --benchmark_filter=BM_Argon2idHashDefault --benchmark_min_time=1 \
    --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$bench_work/argon2_$1.json"
}
measure_hash_rate before

bench_sign_in_script "$accounts" "$password"

printf 'wrk.method = "POST"\nwrk.body = "{}"\n' >"$bench_work/post.lua"

results=()
for backend in $backends; do
  database_flag=()
  if [ "$backend" = postgres ]; then
    [ -n "${bench_postgres_url:-}" ] || bench_start_postgres
    database_flag=(--database="$bench_postgres_url")
  fi
  echo "==> $backend: starting latchkeyd, signing up $accounts accounts" >&2
  bench_start_latchkeyd "${database_flag[@]}"
  rss_at_start="$(bench_rss_mib)"
  bench_prepare_accounts "$accounts" "$password"

  echo "==> $backend: measuring, $seconds s per call" >&2
  reference="$(bench_wrk -c"$connections" -d"${seconds}s" "${client_headers[@]}" /api/v1/projects/current)"
  sign_in="$(bench_wrk -c4 -d"${seconds}s" -s "$bench_work/sign_in.lua" /api/v1/auth/password/sign-in)"
  refresh="$(bench_wrk -c"$connections" -d"${seconds}s" "${client_headers[@]}" \
    -H 'content-type: application/json' -H "x-stack-refresh-token: $refresh_token" \
    -s "$bench_work/post.lua" /api/v1/auth/sessions/current/refresh)"
  me="$(bench_wrk -c"$connections" -d"${seconds}s" "${client_headers[@]}" \
    -H "x-stack-access-token: $access_token" /api/v1/users/me)"
  results+=("$backend" "$reference" "$sign_in" "$refresh" "$me" "$rss_at_start" "$(bench_rss_mib)")
  bench_stop_latchkeyd
done

measure_hash_rate after
"$bench_python" - "$bench_work/argon2_before.json" "$bench_work/argon2_after.json" "$(nproc)" "${#server_pin[@]}" "$connections" "${results[@]}" <<'PY'
import json, sys
argon2_runs, cpus, pinned, connections, rows = sys.argv[1:3], sys.argv[3], sys.argv[4] != "0", sys.argv[5], sys.argv[6:]
def hash_rate(path):
    # The median of three one-second runs.
    argon = next(b for b in json.load(open(path))["benchmarks"]
                 if b.get("aggregate_name") == "median")
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[argon["time_unit"]]
    return 1.0 / (argon["real_time"] * scale)
hashes_per_second = max(hash_rate(path) for path in argon2_runs)
print(f"REST, {cpus} CPUs, {'server on CPU 0, wrk on CPU 1' if pinned else 'not pinned'}; "
      f"sign-in with 4 connections, the rest with {connections}")
print(f"pure argon2id hash rate (m=19456 KiB, t=2, p=1, one core): {hashes_per_second:.1f}/s")
failed = False
for i in range(0, len(rows), 7):
    backend, rss_at_start, rss = rows[i], rows[i + 5], rows[i + 6]
    runs = [("GET /projects/current (reference)", json.loads(rows[i + 1])),
            ("POST /auth/password/sign-in", json.loads(rows[i + 2])),
            ("POST /auth/sessions/current/refresh", json.loads(rows[i + 3])),
            ("GET /users/me", json.loads(rows[i + 4]))]
    print(f"\n{backend}:")
    for name, run in runs:
        failed |= run["errors"] > 0
        print(f"  {name:37s} {run['requests_per_second']:9.1f} req/s   "
              f"p50 {run['p50_us'] / 1000:7.2f} ms   p99 {run['p99_us'] / 1000:7.2f} ms"
              + (f"   errors {run['errors']}" if run["errors"] else ""))
    sign_in = runs[1][1]["requests_per_second"]
    print(f"  sign-in / pure hash rate: {sign_in / hashes_per_second:.2f}")
    print(f"  server RSS: {rss_at_start} MiB at start, {rss} MiB after the run")
if failed:
    sys.exit("some calls failed: the figures are not comparable")
PY
