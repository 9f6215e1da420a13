"""Prints the table of tools/bench/all.sh from the results it wrote.

Usage: all_table.py RESULTS_DIR CPUS PINNED SECONDS CONCURRENCY CONNECTIONS

Every row is a rate with its p50 and p99, the reference it is compared
with (measured in the same run), the ratio and the target the project set
for it. Exits non-zero when a run had errors: its figure would not be
comparable."""
import json
import os
import re
import sys


def main():
    results, cpus, pinned, seconds, concurrency, connections = sys.argv[1:7]
    pinned = pinned != "0"

    def run(name):
        path = os.path.join(results, name + ".json")
        return json.load(open(path)) if os.path.exists(path) else None

    def mib(name):
        path = os.path.join(results, name)
        return int(open(path).read().strip()) if os.path.exists(path) else None

    rounds = ("before", "after")
    crypto = [{b["name"]: b for b in json.load(open(os.path.join(results, f"crypto_{when}.json")))["benchmarks"]}
              for when in rounds]

    def per_second(bench):
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]
        return 1.0 / (bench["real_time"] * scale)

    # openssl speed divides by user CPU time (unless -elapsed): the ES256
    # rows compare user CPU time with user CPU time (crypto_bench's
    # user_seconds_per_op counter).
    def per_cpu_second(bench):
        return 1.0 / bench["user_seconds_per_op"]

    def hash_rate(path):
        runs = json.load(open(path))["benchmarks"]
        median = next(b for b in runs if b.get("aggregate_name") == "median")
        return per_second(median)

    argon2 = max(hash_rate(os.path.join(results, f"argon2_{when}.json")) for when in rounds)
    def openssl_rates(path):
        for line in open(path):
            m = re.search(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
            if m:
                return float(m.group(1)), float(m.group(2))
        sys.exit("could not read the output of openssl speed in " + path)

    # Each side at its fastest over the rounds: a shared host only ever
    # slows a run down, and the two sides ran seconds apart.
    openssl = [openssl_rates(os.path.join(results, f"openssl_{when}.txt")) for when in rounds]
    openssl_sign = max(sign for sign, _ in openssl)
    openssl_verify = max(verify for _, verify in openssl)
    jwt_sign = max(per_cpu_second(c["BM_JwtSign"]) for c in crypto)
    jwt_verify = max(per_cpu_second(c["BM_JwtVerify"]) for c in crypto)

    rows = []  # (what, backend, run or rate, reference name, reference rate, target, run names)
    failed = []

    def add(what, backend, measured, reference_name, reference, target, names=None):
        if measured is None or reference is None:
            return
        for r in (measured, reference):
            if isinstance(r, dict) and r["errors"]:
                # What went wrong, so that a failed run can be told from a
                # stalled host (timeouts) or a refusal (status codes).
                failed.append(f"{what} ({backend}): {r['errors']} errors"
                              + (f" ({r['error_codes']})" if r.get("error_codes") else ""))
        rows.append((what, backend, measured, reference_name, reference, target, names))

    backends = [b for b in ("sqlite", "postgres") if run(f"{b}_empty") is not None]
    for b in backends:
        add("ValidateAccessToken, warm cache", b, run(f"{b}_validate_warm"), "empty RPC", run(f"{b}_empty"), 0.70,
            (f"{b}_validate_warm", f"{b}_empty"))
    for b in backends:
        add("ext_authz Check, warm cache", b, run(f"{b}_ext_authz"), "empty RPC", run(f"{b}_empty"), 0.60,
            (f"{b}_ext_authz", f"{b}_empty"))
    add("ValidateAccessToken, cold (cache off)", "sqlite", run("sqlite_validate_cold"), "empty RPC",
        run("sqlite_empty_cold"), 0.35, ("sqlite_validate_cold", "sqlite_empty_cold"))
    add("CheckPermission", "sqlite", run("sqlite_check_permission"), "empty RPC", run("sqlite_empty"), None,
        ("sqlite_check_permission", "sqlite_empty"))
    for b in backends:
        add("REST GET /users/me", b, run(f"{b}_me"), "GET /projects/current", run(f"{b}_projects"), 0.6)
    for b in backends:
        add("REST refresh, hot session", b, run(f"{b}_refresh"), "GET /projects/current", run(f"{b}_projects"),
            0.5 if b == "sqlite" else 0.3)
    for b in backends:
        add("REST password sign-in", b, run(f"{b}_sign_in"), "argon2id hash, 1 core", argon2, None)
    add("ES256 sign, whole access token", "-", jwt_sign, "openssl sign", openssl_sign, 0.9)
    add("ES256 verify, whole access token", "-", jwt_verify, "openssl verify", openssl_verify, 0.9)

    # Server CPU microseconds per call over a gRPC run (all.sh's grpc_run).
    def cpu_per_call(name):
        path = os.path.join(results, name + ".cpu")
        answered = run(name)
        if not os.path.exists(path) or answered is None or not answered["requests"]:
            return None
        ticks, per_second = (int(v) for v in open(path).read().split())
        return ticks / per_second / answered["requests"] * 1e6

    def rate(r):
        return r["requests_per_second"] if isinstance(r, dict) else r

    def latency(r, key):
        return f"{r[key] / 1000:7.2f}" if isinstance(r, dict) else f"{'':>7}"

    print(f"Latchkey benchmarks: {cpus} CPUs, "
          f"{'server on CPU 0, load on CPU 1' if pinned else 'not pinned'}; "
          f"{seconds} s per run; gRPC {concurrency} in flight, REST {connections} connections "
          f"(sign-in 4); rates per second, latencies in ms")
    header = (f"{'measured':38s} {'backend':8s} {'rate/s':>9s} {'p50':>7s} {'p99':>7s}  "
              f"{'reference':22s} {'rate/s':>9s} {'ratio':>6s} {'target':>7s}")
    print(header)
    print("-" * len(header))
    for what, backend, measured, reference_name, reference, target, names in rows:
        ratio = rate(measured) / rate(reference)
        verdict = "" if target is None else (f">={target:.2f}" + (" ok" if ratio >= target else " MISSED"))
        print(f"{what:38s} {backend:8s} {rate(measured):9.0f} {latency(measured, 'p50_us')} "
              f"{latency(measured, 'p99_us')}  {reference_name:22s} {rate(reference):9.0f} "
              f"{ratio:6.2f} {verdict}")
        if isinstance(reference, dict):
            print(f"{'':38s} {'':8s} {'':>9s} {'':>7s} {'':>7s}  {'  p50/p99 ' + latency(reference, 'p50_us').strip() + '/' + latency(reference, 'p99_us').strip():22s}")
        cpu = names and [cpu_per_call(n) for n in names]
        if cpu and None not in cpu:
            print(f"{'  server CPU per call, us':38s} {'':8s} {cpu[0]:9.1f} {'':>7s} {'':>7s}  "
                  f"{'  vs ' + reference_name:22s} {cpu[1]:9.1f} {cpu[1] / cpu[0]:6.2f}")
    for b in backends:
        idle, end = mib(f"{b}_rss_idle"), mib(f"{b}_rss_end")
        print(f"{'server RSS, idle / after the runs':38s} {b:8s} {idle:6d} MiB / {end} MiB   "
              f"targets <=25 / <=80: {'ok' if idle <= 25 and end <= 80 else 'MISSED'}")
    if failed:
        sys.exit("some calls failed, so these figures are not comparable: " + "; ".join(failed))


if __name__ == "__main__":
    main()
