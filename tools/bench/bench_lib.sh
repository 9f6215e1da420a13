# Shared by the benchmark scripts: build with -c opt, start one latchkeyd
# (dev mode, free ports, its own data directory), stop it on exit.
#
#   source tools/bench/bench_lib.sh
#   bench_build //tools/bench:grpc_load          # latchkeyd is always built
#   bench_start_latchkeyd [latchkeyd flags...]   # sets the variables below
#   bench_stop_latchkeyd                          # (before starting another)
#   bench_start_postgres                          # a private, durable cluster
#
# After bench_start_latchkeyd: $bench_bin (bazel-bin of -c opt),
# $bench_work (temp dir), $bench_grpc_port, $bench_http_port,
# $bench_server_pid, $bench_rss_pid, the dev secrets as LATCHKEY_* variables,
# and $load_pin / $server_pin (taskset prefixes; PIN=0 disables pinning).

bench_python="${LATCHKEY_TEST_PYTHON:-/usr/bin/python3}"
bench_server_pid=""
bench_work="$(mktemp -d)"

# shellcheck source=tools/lib/postgres.sh
source "$(git rev-parse --show-toplevel)/tools/lib/postgres.sh"

bench_stop_latchkeyd() {
  if [ -n "$bench_server_pid" ]; then
    kill -TERM "$bench_server_pid" 2>/dev/null || true
    wait "$bench_server_pid" 2>/dev/null || true
  fi
  bench_server_pid=""
}

bench_cleanup() {
  bench_stop_latchkeyd
  stop_postgres
  rm -rf "$bench_work"
}
trap bench_cleanup EXIT

server_pin=() load_pin=()
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_pin=(taskset -c 0)
  load_pin=(taskset -c 1)
fi

# LATCHKEY_BENCH_OUTPUT_BASE runs the optimized build in a Bazel server of
# its own, so that it does not hold the lock of the everyday one.
bench_bazel=(bazel ${LATCHKEY_BENCH_OUTPUT_BASE:+--output_base="$LATCHKEY_BENCH_OUTPUT_BASE"})
bench_build() {
  # No bazel-* links: they would point the checkout's bazel-bin at the
  # optimized tree, where the everyday build's tools are not.
  "${bench_bazel[@]}" build -c opt --symlink_prefix=/ //service:latchkeyd "$@" >&2
  bench_bin="$("${bench_bazel[@]}" info -c opt bazel-bin 2>/dev/null)"
}

bench_free_ports() {
  "$bench_python" - <<'PY'
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])
for s in sockets:
    s.close()
PY
}

# PostgreSQL with its default settings (fsync and synchronous commit on, as
# in production; not pinned to a CPU); sets $bench_postgres_url.
bench_start_postgres() {
  PG_SERVER_OPTS=""
  start_postgres
  bench_postgres_url="$LATCHKEY_TEST_POSTGRES_URL"
}

bench_start_latchkeyd() {
  read -r bench_grpc_port bench_http_port < <(bench_free_ports)
  rm -rf "$bench_work/data"
  "${server_pin[@]}" "$bench_bin/service/latchkeyd" --dev \
    --data_dir="$bench_work/data" \
    --grpc_address="127.0.0.1:$bench_grpc_port" \
    --http_address="127.0.0.1:$bench_http_port" "$@" \
    2>"$bench_work/latchkeyd.log" &
  bench_server_pid=$!
  # Wait for the start-up line (polling the log: the server is another
  # process; 30 s at most).
  for _ in $(seq 1 300); do
    grep -q '"latchkeyd started"' "$bench_work/latchkeyd.log" 2>/dev/null && break
    kill -0 "$bench_server_pid" 2>/dev/null || {
      cat "$bench_work/latchkeyd.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '"latchkeyd started"' "$bench_work/latchkeyd.log" || {
    echo "latchkeyd did not start" >&2; cat "$bench_work/latchkeyd.log" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$bench_work/data/dev-secrets.env"
}

# The server's resident memory, in MiB.
bench_rss_mib() {
  awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$bench_server_pid/status"
}

# wrk against the server's REST port, JSON out like grpc_load's
# (wrk_summary.py); args: wrk flags and the path (/api/v1/...).
bench_wrk() {
  local path="${*: -1}"
  "${load_pin[@]}" wrk -t1 --latency "${@:1:$#-1}" "http://127.0.0.1:$bench_http_port$path" |
    "$bench_python" "$(git rev-parse --show-toplevel)/tools/bench/wrk_summary.py"
}

# grpc_load against the server, JSON out; args: grpc_load flags.
bench_grpc_load() {
  "${load_pin[@]}" "$bench_bin/tools/bench/grpc_load" \
    --target="127.0.0.1:$bench_grpc_port" --json "$@"
}

# Raises the internal project's abuse limits, so that the limiter's
# bookkeeping is measured but never refuses a call (sign-in per account in
# one-second windows; the rest 10^6 per hour), then signs up accounts
# bench0@example.com ... bench<N-1>@example.com with one password. Sets
# $access_token and $refresh_token (the last account's). Args: N, password.
bench_prepare_accounts() {
  local accounts="$1" password="$2"
  local api="http://127.0.0.1:$bench_http_port/api/v1"
  curl -sS --fail-with-body -X PATCH "$api/internal/config/override/project" \
    -H 'x-stack-project-id: internal' -H 'x-stack-access-type: admin' \
    -H "x-stack-super-secret-admin-key: $LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY" \
    -H 'content-type: application/json' \
    -d "$("$bench_python" -c 'import json; print(json.dumps({"config_override_string": json.dumps({
      "rate_limits.sign_in_per_account": {"limit": 1000000, "window_seconds": 1},
      "rate_limits.sign_in_per_ip": {"limit": 1000000, "window_seconds": 3600},
      "rate_limits.sign_up_per_ip": {"limit": 1000000, "window_seconds": 3600},
      "rate_limits.refresh_per_session": {"limit": 1000000, "window_seconds": 3600}})}))')" \
    >"$bench_work/patched.json" || { cat "$bench_work/patched.json" >&2; exit 1; }
  for i in $(seq 0 $((accounts - 1))); do
    curl -sS --fail-with-body -X POST "$api/auth/password/sign-up" \
      -H 'x-stack-project-id: internal' -H 'x-stack-access-type: client' \
      -H 'content-type: application/json' \
      -d "{\"email\":\"bench$i@example.com\",\"password\":\"$password\"}" \
      >"$bench_work/signed_up.json"
  done
  read -r access_token refresh_token < <("$bench_python" -c '
import json, sys
body = json.load(open(sys.argv[1]))
print(body["access_token"], body["refresh_token"])' "$bench_work/signed_up.json")
}

# Writes $bench_work/sign_in.lua, a wrk script cycling through the accounts
# of bench_prepare_accounts, one password sign-in each. Args: N, password.
bench_sign_in_script() {
  cat >"$bench_work/sign_in.lua" <<LUA
-- Cycles through the benchmark's accounts, one sign-in each.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-stack-project-id"] = "internal"
wrk.headers["x-stack-access-type"] = "client"
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"email":"bench%d@example.com","password":"$2"}', n % $1)
  return wrk.format(nil, nil, nil, body)
end
LUA
}
