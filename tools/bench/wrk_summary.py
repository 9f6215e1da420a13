"""Reads `wrk --latency` output on stdin, prints one JSON object shaped like
grpc_load's: {"requests_per_second", "p50_us", "p99_us", "errors",
"error_codes"}, where errors counts non-2xx/3xx answers and socket errors
together (a run with errors does not give a comparable figure) and
error_codes says which they were."""
import json
import re
import sys


def micros(value, unit):
    return round(float(value) * {"us": 1, "ms": 1000, "s": 1_000_000}[unit])


def main():
    text = sys.stdin.read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not (rps and p50 and p99):
        sys.exit("wrk_summary: not wrk --latency output:\n" + text)
    errors = 0
    detail = []
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non_2xx:
        errors += int(non_2xx.group(1))
        detail.append(f"{non_2xx.group(1)} non-2xx/3xx answers")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if socket:
        errors += sum(int(n) for n in socket.groups())
        detail.append("socket errors: connect {}, read {}, write {}, timeout {}".format(*socket.groups()))
    print(json.dumps({
        "requests_per_second": float(rps.group(1)),
        "p50_us": micros(*p50.groups()),
        "p99_us": micros(*p99.groups()),
        "errors": errors,
        "error_codes": "; ".join(detail),
    }))


if __name__ == "__main__":
    main()
