#!/usr/bin/env bash
# TeamPermissionService.CheckPermission requests/s over gRPC next to an
# empty RPC (grpc.health.v1.Health/Check) on the same latchkeyd at the same
# concurrency, printed as a ratio; then BatchCheckPermissions as checks/s.
# The data (permission_bench.cc): a 5-level containment graph of 100
# permissions, 10,000 users in 100 teams (10,000 memberships). Everything
# built with -c opt; SQLite in a temporary directory.
#
# With two or more CPUs the server is pinned to CPU 0 and the load generator
# to CPU 1, so that they do not steal each other's time (PIN=0: no pinning).
#
#   tools/bench/permission_bench.sh
#   CONCURRENCY=64 SECONDS_PER_RUN=20 BATCH_SIZE=1000 tools/bench/permission_bench.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

concurrency="${CONCURRENCY:-32}"
seconds="${SECONDS_PER_RUN:-10}"
warmup="${WARMUP_SECONDS:-3}"
batch_size="${BATCH_SIZE:-100}"
source tools/bench/bench_lib.sh
python="$bench_python"

bench_build //tools/bench:grpc_load //tools/bench:permission_bench
bin="$bench_bin"
bench_start_latchkeyd
work="$bench_work"
grpc_port="$bench_grpc_port"

echo "seeding 100 permissions, 10,000 users and memberships..." >&2
requests="$("$bin/tools/bench/permission_bench" \
  --database="sqlite:$work/data/latchkey.db" --batch_size="$batch_size")"
check_hex="$(sed -n 's/^check=//p' <<<"$requests")"
batch_hex="$(sed -n 's/^batch=//p' <<<"$requests")"
floor_hex="$(sed -n 's/^floor=//p' <<<"$requests")"

server_metadata="x-stack-project-id=internal,x-stack-access-type=server,x-stack-secret-server-key=$LATCHKEY_INTERNAL_SECRET_SERVER_KEY"
load() {
  "${load_pin[@]}" "$bin/tools/bench/grpc_load" --target="127.0.0.1:$grpc_port" \
    --concurrency="$concurrency" --duration_seconds="$seconds" \
    --warmup_seconds="$warmup" --json "$@"
}
health="$(load --method=/grpc.health.v1.Health/Check)"
floor="$(load --method=/identity.v1.TeamPermissionService/CheckPermission \
  --request_hex="$floor_hex" --metadata="$server_metadata")"
check="$(load --method=/identity.v1.TeamPermissionService/CheckPermission \
  --request_hex="$check_hex" --metadata="$server_metadata")"
batch="$(load --method=/identity.v1.TeamPermissionService/BatchCheckPermissions \
  --request_hex="$batch_hex" --metadata="$server_metadata")"

"$python" - "$health" "$check" "$batch" "$floor" "$batch_size" "$(nproc)" "${#server_pin[@]}" <<'PY'
import json, sys
health, check, batch, floor = (json.loads(a) for a in sys.argv[1:5])
batch_size = int(sys.argv[5])
pinned = "server on CPU 0, load on CPU 1" if sys.argv[7] != "0" else "not pinned"
print(f"gRPC, concurrency {health['concurrency']}, {health['seconds']:.0f} s each "
      f"({sys.argv[6]} CPUs, {pinned}); 100 permissions in 5 levels, "
      f"10,000 memberships, SQLite")
for name, run in (("Health/Check (empty RPC)", health),
                  ("CheckPermission, undefined (floor)", floor),
                  ("CheckPermission", check),
                  (f"BatchCheckPermissions ({batch_size})", batch)):
    print(f"  {name:34s} {run['requests_per_second']:9.0f} req/s   "
          f"p50 {run['p50_us']:6d} us   p99 {run['p99_us']:6d} us   "
          f"errors {run['errors']}")
ratio = check["requests_per_second"] / health["requests_per_second"]
print(f"  ratio CheckPermission / empty RPC: {ratio:.2f}")
print(f"  batch: {batch['requests_per_second'] * batch_size:.0f} checks/s "
      f"({batch_size} per call)")
print(f"  ratio CheckPermission / undefined-permission floor "
      f"(same call and authentication, no grant read): "
      f"{check['requests_per_second'] / floor['requests_per_second']:.2f}")
if health["errors"] or check["errors"] or batch["errors"] or floor["errors"]:
    sys.exit("some calls failed: the figures are not comparable")
PY
