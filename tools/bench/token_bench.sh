#!/usr/bin/env bash
# TokenService.ValidateAccessToken requests/s over gRPC next to an empty RPC
# (grpc.health.v1.Health/Check) on the same latchkeyd at the same
# concurrency, printed as a ratio; then ES256 sign/verify next to
# `openssl speed` (tools/bench/crypto_bench.sh). Everything built with -c opt.
#
# With two or more CPUs the server is pinned to CPU 0 and the load generator
# to CPU 1, so that they do not steal each other's time (PIN=0: no pinning).
#
#   tools/bench/token_bench.sh
#   CONCURRENCY=64 SECONDS_PER_RUN=20 tools/bench/token_bench.sh
#   SKIP_CRYPTO=1 tools/bench/token_bench.sh     # gRPC part only
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

concurrency="${CONCURRENCY:-32}"
seconds="${SECONDS_PER_RUN:-10}"
warmup="${WARMUP_SECONDS:-2}"
source tools/bench/bench_lib.sh
python="$bench_python"

bench_build //tools/bench:grpc_load
bin="$bench_bin"
bench_start_latchkeyd
grpc_port="$bench_grpc_port"
http_port="$bench_http_port"

# A live anonymous user's access token, and ValidateAccessTokenRequest
# {access_token: 1, allow_anonymous: 2} serialized by hand.
request_hex="$(curl -fsS -X POST "http://127.0.0.1:$http_port/api/v1/auth/anonymous/sign-up" \
    -H 'x-stack-project-id: internal' -H 'x-stack-access-type: client' |
  "$python" -c '
import json, sys
token = json.load(sys.stdin)["access_token"].encode()
def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out
print((b"\x0a" + varint(len(token)) + token + b"\x10\x01").hex())')"

load() {
  "${load_pin[@]}" "$bin/tools/bench/grpc_load" --target="127.0.0.1:$grpc_port" \
    --concurrency="$concurrency" --duration_seconds="$seconds" \
    --warmup_seconds="$warmup" --json "$@"
}
health="$(load --method=/grpc.health.v1.Health/Check)"
validate="$(load --method=/identity.v1.TokenService/ValidateAccessToken \
  --request_hex="$request_hex" \
  --metadata="x-stack-project-id=internal,x-stack-access-type=server,x-stack-secret-server-key=$LATCHKEY_INTERNAL_SECRET_SERVER_KEY")"

"$python" - "$health" "$validate" "$(nproc)" "${#server_pin[@]}" <<'PY'
import json, sys
health, validate = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pinned = "server on CPU 0, load on CPU 1" if sys.argv[4] != "0" else "not pinned"
print(f"gRPC, concurrency {health['concurrency']}, {health['seconds']:.0f} s each "
      f"({sys.argv[3]} CPUs, {pinned})")
for name, run in (("Health/Check (empty RPC)", health),
                  ("TokenService/ValidateAccessToken", validate)):
    print(f"  {name:34s} {run['requests_per_second']:9.0f} req/s   "
          f"p50 {run['p50_us']:6d} us   p99 {run['p99_us']:6d} us   "
          f"errors {run['errors']}")
ratio = validate["requests_per_second"] / health["requests_per_second"]
print(f"  ratio ValidateAccessToken / empty RPC: {ratio:.2f}")
if validate["errors"] or health["errors"]:
    sys.exit("some calls failed: the figures are not comparable")
PY

if [ "${SKIP_CRYPTO:-0}" != 1 ]; then
  echo
  tools/bench/crypto_bench.sh
fi
