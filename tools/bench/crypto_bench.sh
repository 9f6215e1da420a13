#!/usr/bin/env bash
# ES256 and argon2id figures for //crypto, next to `openssl speed` on the same
# machine in the same run, as ratios (ours / openssl). Both are pinned to one
# core when taskset exists. Both sides count user CPU time per operation:
# `openssl speed` divides by user CPU time unless given -elapsed, so ours is
# crypto_bench's user_seconds_per_op (comparing our wall time with its CPU
# time would charge us for every preemption by another process, and our
# user + system time with its user time for OpenSSL's own system calls). Run from
# anywhere inside the repository:
#   tools/bench/crypto_bench.sh            # openssl speed for 3 s per op
#   OPENSSL_SECONDS=1 tools/bench/crypto_bench.sh
#   LATCHKEY_BENCH_OUTPUT_BASE=~/.cache/latchkey-bench tools/bench/crypto_bench.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

seconds="${OPENSSL_SECONDS:-3}"
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi

# LATCHKEY_BENCH_OUTPUT_BASE runs the optimized build in a Bazel server of
# its own, as bench_lib.sh's bench_build does; no bazel-* links, which would
# point the checkout's bazel-bin at the optimized tree.
bench_bazel=(bazel ${LATCHKEY_BENCH_OUTPUT_BASE:+--output_base="$LATCHKEY_BENCH_OUTPUT_BASE"})
"${bench_bazel[@]}" build -c opt --symlink_prefix=/ //tools/bench:crypto_bench >&2
bin="$("${bench_bazel[@]}" info -c opt bazel-bin 2>/dev/null)/tools/bench/crypto_bench"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"${pin[@]}" "$bin" --benchmark_format=json --benchmark_min_time=1 \
  >"$work/ours.json"
"${pin[@]}" openssl speed -seconds "$seconds" ecdsap256 \
  >"$work/openssl.txt" 2>/dev/null

python3 - "$work/ours.json" "$work/openssl.txt" <<'PY'
import json, re, sys

ours = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
def per_second(name):
    # User CPU seconds per operation, as openssl speed counts.
    return 1.0 / ours[name]["user_seconds_per_op"]

sign = verify = None
for line in open(sys.argv[2]):
    # " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  45000.0  14000.0"
    m = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        sign, verify = float(m.group(1)), float(m.group(2))
if sign is None:
    sys.exit("could not read openssl speed output")

print("ES256 on one core (ops per user CPU second; ratio = ours / openssl speed ecdsap256)")
rows = [
    ("sign, bare signature", "BM_Es256SignRaw", sign),
    ("sign, whole access token", "BM_JwtSign", sign),
    ("verify, bare signature", "BM_Es256VerifyRaw", verify),
    ("verify, bare, no key table", "BM_Es256VerifyRawWithoutTable", verify),
    ("verify, whole access token", "BM_JwtVerify", verify),
]
for label, name, reference in rows:
    value = per_second(name)
    print(f"  {label:28s} {value:10.0f}   openssl {reference:10.0f}   ratio {value / reference:5.2f}")
derive = ours["BM_KeyDerivationPerAudience"]
print(f"key derivation per audience (cache miss): {derive['real_time']:.1f} {derive['time_unit']}")
argon = ours["BM_Argon2idHashDefault"]
print(f"argon2id hash, m=19456 KiB t=2 p=1: {argon['real_time']:.1f} {argon['time_unit']}")
PY
