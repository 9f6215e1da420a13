#!/usr/bin/env bash
# Refreshes service/startup_order.txt: the code latchkeyd runs while it
# starts, which the link places first so that it shares a few pages instead
# of touching (and keeping resident) most of the binary's text.
#
#   tools/startup_order/update.sh
#
# It builds latchkeyd with -c opt and a link map, starts it under valgrind's
# callgrind on SQLite and on a private PostgreSQL cluster (dev mode, loopback,
# temporary data), records the functions that ran up to the start-up log
# line, and writes the input sections that hold them. Needs valgrind
# (apt-get install valgrind) and, for the PostgreSQL run, the postgresql
# package; takes about a minute after the build.
set -euo pipefail

repo="$(git rev-parse --show-toplevel)"
cd "$repo"
# shellcheck source=tools/lib/postgres.sh
source "$repo/tools/lib/postgres.sh"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT

# LATCHKEY_BENCH_OUTPUT_BASE, as in tools/bench: an optimized build in a
# Bazel server of its own. No bazel-* links, as there.
bazel_cmd=(bazel ${LATCHKEY_BENCH_OUTPUT_BASE:+--output_base="$LATCHKEY_BENCH_OUTPUT_BASE"})
log "building latchkeyd (-c opt, with a link map)"
"${bazel_cmd[@]}" build -c opt --symlink_prefix=/ --linkopt="-Wl,-Map=$work/latchkeyd.map" \
  //service:latchkeyd >&2
cp "$("${bazel_cmd[@]}" info -c opt bazel-bin 2>/dev/null)/service/latchkeyd" "$work/latchkeyd"

free_ports() {
  python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
for x in s: x.close()'
}

# profile_start NAME [latchkeyd flags...]: one start-up under callgrind;
# leaves $work/NAME.callgrind.
profile_start() {
  local name="$1"; shift
  local grpc_port http_port
  read -r grpc_port http_port < <(free_ports)
  rm -rf "$work/data"
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$name.out" \
    "$work/latchkeyd" --dev --data_dir="$work/data" \
    --grpc_address="127.0.0.1:$grpc_port" --http_address="127.0.0.1:$http_port" "$@" \
    2>"$work/$name.log" &
  server_pid=$!
  # Under valgrind the start takes seconds; wait for its log line (2 min at most).
  local _
  for _ in $(seq 1 1200); do
    grep -q '"latchkeyd started"' "$work/$name.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/$name.log" >&2; die "latchkeyd exited during $name start-up"; }
    sleep 0.1
  done
  grep -q '"latchkeyd started"' "$work/$name.log" || die "latchkeyd did not start under valgrind ($name)"
  callgrind_control --dump="$name" "$server_pid" >/dev/null 2>&1
  # The dump is complete when its totals line is written.
  for _ in $(seq 1 600); do
    grep -qs '^totals:' "$work/$name.out.1" && break
    sleep 0.1
  done
  grep -qs '^totals:' "$work/$name.out.1" || die "callgrind wrote no start-up dump ($name)"
  mv "$work/$name.out.1" "$work/$name.callgrind"
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

log "profiling start-up on SQLite"
profile_start sqlite
log "profiling start-up on PostgreSQL (a private cluster)"
start_postgres
profile_start postgres --database="$LATCHKEY_TEST_POSTGRES_URL"

python3 "$repo/tools/startup_order/startup_order.py" --binary "$work/latchkeyd" \
  --map "$work/latchkeyd.map" --previous "$repo/service/startup_order.txt" \
  "$work/sqlite.callgrind" "$work/postgres.callgrind" >"$work/startup_order.txt"
mv "$work/startup_order.txt" "$repo/service/startup_order.txt"
log "wrote service/startup_order.txt"
