#!/usr/bin/env bash
# Every headline figure in one table, each next to a reference measured in
# the same run on the same machine, so the ratios carry over between
# machines while the raw rates do not:
#   - ValidateAccessToken over gRPC, warm token cache and cache off (cold),
#     vs an empty RPC (grpc.health.v1.Health/Check);
#   - Envoy's ext_authz Check (a bearer token, warm cache) vs the empty RPC;
#   - CheckPermission over gRPC vs the empty RPC;
#   - REST GET /users/me and POST /auth/sessions/current/refresh (a hot
#     session) vs REST GET /projects/current;
#   - REST password sign-in vs the pure argon2id hash rate on one core;
#   - ES256 sign and verify of a whole access token vs `openssl speed`;
#   - p50 and p99 of every run, and the server's resident memory when idle
#     and after the whole table.
# On SQLite and on PostgreSQL (a private throwaway cluster with durable
# default settings; BACKENDS=sqlite skips it). Built with -c opt. With two
# or more CPUs the server runs on CPU 0 and the load generator on CPU 1
# (PIN=0: no pinning). Loopback only. About three minutes after the build.
#
#   tools/bench/all.sh
#   SECONDS_PER_RUN=10 tools/bench/all.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source tools/bench/bench_lib.sh

seconds="${SECONDS_PER_RUN:-5}"
warmup="${WARMUP_SECONDS:-1}"
concurrency="${CONCURRENCY:-32}"
connections="${CONNECTIONS:-16}"
backends="${BACKENDS:-sqlite postgres}"
accounts=64
password="correct horse battery staple"
for tool in wrk curl openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (./tools/dev setup installs it)" >&2; exit 1; }
done

started_at=$SECONDS
step() { echo "==> [$((SECONDS - started_at)) s] $*" >&2; }

step "building with -c opt"
bench_build //tools/bench:grpc_load //tools/bench:crypto_bench //tools/bench:permission_bench
results="$bench_work/results"
mkdir -p "$results"

# The pure argon2id hash rate on the server's core, before and after the
# service runs; the faster counts (a shared machine only ever slows it).
measure_hash_rate() {
  "${server_pin[@]}" "$bench_bin/tools/bench/crypto_bench" \
    --benchmark_filter=BM_Argon2idHashDefault --benchmark_min_time=0.5 \
    --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$results/argon2_$1.json"
}

# ES256 sign and verify of a whole access token, then openssl speed on the
# same core right after, before and after the service runs; the table takes
# the faster of each (as for the hash rate).
measure_es256() {
  "${server_pin[@]}" "$bench_bin/tools/bench/crypto_bench" --benchmark_format=json \
    --benchmark_min_time=0.5 --benchmark_filter='BM_JwtSign|BM_JwtVerify' \
    >"$results/crypto_$1.json"
  "${server_pin[@]}" openssl speed -seconds 2 ecdsap256 >"$results/openssl_$1.txt" 2>/dev/null
}

step "crypto: ES256 and argon2id on one core, openssl speed ecdsap256"
measure_hash_rate before
measure_es256 before

# The server's CPU time (user + system, in clock ticks) so far.
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$bench_server_pid/stat"; }

grpc_run() {  # name, then grpc_load flags
  local name="$1"; shift
  bench_grpc_load --concurrency="$concurrency" --duration_seconds="$seconds" \
    --warmup_seconds="$warmup" "$@" >"$results/$name.json" &
  local load=$!
  # The server's CPU time over the measured part of the run: unlike the
  # rate, it does not depend on how much CPU a shared host gives us, so
  # CPU per call compares two runs even when the host's load moved.
  sleep "$warmup"
  local before
  before=$(server_cpu_ticks)
  wait "$load"
  echo "$(($(server_cpu_ticks) - before)) $(getconf CLK_TCK)" >"$results/$name.cpu"
}
wrk_run() {  # name, then wrk flags and the path
  local name="$1"; shift
  bench_wrk -d"${seconds}s" "$@" >"$results/$name.json"
}
client_headers=(-H 'x-stack-project-id: internal' -H 'x-stack-access-type: client')

# ValidateAccessTokenRequest {access_token = 1}, serialized by hand.
validate_request_hex() {
  "$bench_python" -c '
import sys
token = sys.argv[1].encode()
def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out
print((b"\x0a" + varint(len(token)) + token).hex())' "$1"
}

# A denied Check is a successful RPC too, so grpc_load cannot tell: ask once
# and make sure the answer is an OkHttpResponse (CheckResponse field 3).
check_allows() {
  "$bench_python" - "127.0.0.1:$bench_grpc_port" "$1" <<'PY'
import sys
import grpc
call = grpc.insecure_channel(sys.argv[1]).unary_unary(
    "/envoy.service.auth.v3.Authorization/Check",
    request_serializer=lambda b: b, response_deserializer=lambda b: b)
answer = call(bytes.fromhex(sys.argv[2]), timeout=10)
# Top-level fields: status (1), then denied_response (2) or ok_response (3).
position = 0
while position < len(answer):
    tag = answer[position]; position += 1
    length = shift = 0
    while True:
        byte = answer[position]; position += 1
        length |= (byte & 0x7F) << shift; shift += 7
        if not byte & 0x80:
            break
    if tag >> 3 == 3:
        sys.exit(0)
    position += length
sys.exit("ext_authz Check did not allow the benchmark's request: " + answer.hex())
PY
}

# envoy.service.auth.v3.CheckRequest as Envoy sends it for a request that
# carries the token: attributes(1).request(4).http(2).headers(3) =
# {authorization: "Bearer <token>"}, method and path; serialized by hand.
check_request_hex() {
  "$bench_python" -c '
import sys
def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out
def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload
def entry(key, value):
    return field(1, key.encode()) + field(2, value.encode())
http = (field(2, b"GET") + field(3, entry("authorization", "Bearer " + sys.argv[1])) +
        field(4, b"/api/orders") + field(5, b"app.example.com"))
print(field(1, field(4, field(2, http))).hex())' "$1"
}


bench_sign_in_script "$accounts" "$password"
printf 'wrk.method = "POST"\nwrk.body = "{}"\n' >"$bench_work/post.lua"

server_metadata() {
  echo "x-stack-project-id=internal,x-stack-access-type=server,x-stack-secret-server-key=$LATCHKEY_INTERNAL_SECRET_SERVER_KEY"
}

for backend in $backends; do
  database_flag=()
  if [ "$backend" = postgres ]; then
    step "postgres: starting a private cluster"
    [ -n "${bench_postgres_url:-}" ] || bench_start_postgres >&2
    database_flag=(--database="$bench_postgres_url")
  fi
  step "$backend: starting latchkeyd"
  bench_start_latchkeyd "${database_flag[@]}"
  bench_rss_mib >"$results/${backend}_rss_idle"
  bench_prepare_accounts "$accounts" "$password"
  hex="$(validate_request_hex "$access_token")"

  step "$backend: gRPC runs, $seconds s each, $concurrency in flight"
  grpc_run "${backend}_empty" --method=/grpc.health.v1.Health/Check
  grpc_run "${backend}_validate_warm" --method=/identity.v1.TokenService/ValidateAccessToken \
    --request_hex="$hex" --metadata="$(server_metadata)"
  check_hex="$(check_request_hex "$access_token")"
  check_allows "$check_hex"
  grpc_run "${backend}_ext_authz" --method=/envoy.service.auth.v3.Authorization/Check \
    --request_hex="$check_hex"
  if [ "$backend" = sqlite ]; then
    step "$backend: seeding 100 permissions and 10,000 memberships"
    requests="$("$bench_bin/tools/bench/permission_bench" \
      --database="sqlite:$bench_work/data/latchkey.db" --batch_size=10)"
    grpc_run "${backend}_check_permission" \
      --method=/identity.v1.TeamPermissionService/CheckPermission \
      --request_hex="$(sed -n 's/^check=//p' <<<"$requests")" --metadata="$(server_metadata)"
  fi

  step "$backend: REST runs, $seconds s each, $connections connections"
  wrk_run "${backend}_projects" -c"$connections" "${client_headers[@]}" /api/v1/projects/current
  wrk_run "${backend}_me" -c"$connections" "${client_headers[@]}" \
    -H "x-stack-access-token: $access_token" /api/v1/users/me
  wrk_run "${backend}_refresh" -c"$connections" "${client_headers[@]}" \
    -H 'content-type: application/json' -H "x-stack-refresh-token: $refresh_token" \
    -s "$bench_work/post.lua" /api/v1/auth/sessions/current/refresh
  wrk_run "${backend}_sign_in" -c4 -s "$bench_work/sign_in.lua" /api/v1/auth/password/sign-in
  bench_rss_mib >"$results/${backend}_rss_end"
  bench_stop_latchkeyd

  if [ "$backend" = sqlite ]; then
    # Cold: the token cache off, so every call verifies the signature (what
    # a token seen for the first time costs).
    step "$backend: cold token cache (--token_cache_entries=0)"
    bench_start_latchkeyd --token_cache_entries=0
    bench_prepare_accounts "$accounts" "$password"
    grpc_run "${backend}_empty_cold" --method=/grpc.health.v1.Health/Check
    grpc_run "${backend}_validate_cold" --method=/identity.v1.TokenService/ValidateAccessToken \
      --request_hex="$(validate_request_hex "$access_token")" --metadata="$(server_metadata)"
    bench_stop_latchkeyd
  fi
done
step "crypto again: ES256, argon2id, openssl speed"
measure_hash_rate after
measure_es256 after

step "done"
"$bench_python" tools/bench/all_table.py "$results" "$(nproc)" "${#server_pin[@]}" \
  "$seconds" "$concurrency" "$connections"
