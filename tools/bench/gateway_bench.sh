#!/usr/bin/env bash
# The REST gateway's cost: a cheap authenticated call (GET
# /api/v1/projects/current, client access) over REST with wrk, next to the
# same RPC (ProjectService/GetCurrentProject) over gRPC with grpc_load, on
# the same latchkeyd, at 2 and 64 connections / calls in flight. Printed as
# requests/s, p99 and the REST/gRPC ratio. Built with -c opt.
#
#   tools/bench/gateway_bench.sh
#   SECONDS_PER_RUN=20 tools/bench/gateway_bench.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source tools/bench/bench_lib.sh

seconds="${SECONDS_PER_RUN:-10}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
bench_build //tools/bench:grpc_load
bench_start_latchkeyd

rows=()
for connections in 2 64; do
  rest="$(bench_wrk -c"$connections" -d"${seconds}s" \
      -H 'x-stack-project-id: internal' -H 'x-stack-access-type: client' \
      /api/v1/projects/current)"
  grpc="$(bench_grpc_load --method=/identity.v1.ProjectService/GetCurrentProject \
      --concurrency="$connections" --duration_seconds="$seconds" --warmup_seconds=1 \
      --metadata=x-stack-project-id=internal,x-stack-access-type=client)"
  rows+=("$connections" "$rest" "$grpc")
done

"$bench_python" - "$(nproc)" "${#server_pin[@]}" "${rows[@]}" <<'PY'
import json, sys
cpus, pinned, rows = sys.argv[1], sys.argv[2] != "0", sys.argv[3:]
print(f"GET /api/v1/projects/current vs ProjectService/GetCurrentProject "
      f"({cpus} CPUs, {'server on CPU 0, load on CPU 1' if pinned else 'not pinned'})")
print(f"  {'in flight':>9}  {'REST req/s':>10}  {'REST p99':>9}  {'gRPC req/s':>10}  "
      f"{'gRPC p99':>9}  {'REST/gRPC':>9}")
failed = False
for i in range(0, len(rows), 3):
    n, rest, grpc = rows[i], json.loads(rows[i + 1]), json.loads(rows[i + 2])
    failed |= rest["errors"] > 0 or grpc["errors"] > 0
    print(f"  {n:>9}  {rest['requests_per_second']:10.0f}  {rest['p99_us']:7d}us  "
          f"{grpc['requests_per_second']:10.0f}  {grpc['p99_us']:7d}us  "
          f"{rest['requests_per_second'] / grpc['requests_per_second']:9.2f}")
if failed:
    sys.exit("some calls failed: the figures are not comparable")
PY
