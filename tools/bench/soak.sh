#!/usr/bin/env bash
# Soak: mixed traffic against one optimized latchkeyd (SQLite) for MINUTES
# (default 30), printing its memory, descriptors, threads and p50/p99 each
# minute; fails when memory, descriptors or threads keep growing, or when
# any call fails with a 5xx. See tools/bench/soak.mjs for the traffic.
#
#   tools/bench/soak.sh [MINUTES] [latchkeyd flags...]
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
minutes="${1:-30}"
shift || true
# shellcheck source=tools/bench/bench_lib.sh
source tools/bench/bench_lib.sh
bench_build
bench_start_latchkeyd "$@"
echo "soak: ${minutes} min against latchkeyd pid $bench_server_pid (http 127.0.0.1:$bench_http_port)" >&2
node tools/bench/soak.mjs --url="http://127.0.0.1:$bench_http_port" --pid="$bench_server_pid" \
  --minutes="$minutes" --keys="$bench_work/data/dev-secrets.env"
