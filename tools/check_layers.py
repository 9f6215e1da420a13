#!/usr/bin/env python3
"""Fails when a dependency inside service/ runs the wrong way.

service/ is a stack of packages; each may depend only on packages of lower
layers (and on itself). Bazel's visibility already refuses most back edges
at build time; this check states the whole order in one place, catches what
visibility lists could be loosened to allow, and checks the rules that are
about the whole closure rather than one edge:

  - the REST gateway (every target of //service/gateway, its fuzz test
    included) reaches no storage, no core and no API handlers: it knows the
    contract's descriptors and the CallRunner interface, nothing more;
  - the transport-free pipeline targets the gateway uses reach none either.

Run by ./tools/dev test before the tests; needs bazel. Exit 0 when clean,
1 with one line per violation otherwise.
"""
import re
import subprocess
import sys

# Bottom to top. Packages on one layer must not depend on each other.
LAYERS = [
    ["//service/errors", "//service/json", "//service/runtime"],
    ["//service/core", "//service/mail"],
    ["//service/pipeline"],
    ["//service/config"],
    ["//service/api"],
    ["//service/grpc", "//service/gateway"],
    # ext_authz: answers with the REST gateway's error form, so above it.
    ["//service/mesh"],
    ["//service"],
]
LAYER_OF = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}

# What the gateway's closure must not contain.
GATEWAY_FORBIDDEN = (
    "//storage/...",
    "//service/core/...",
    "//service/api/...",
    "//service/mail/...",
    "//third_party/system:sqlite3",
    "//third_party/system:libpq",
)
TRANSPORT_FREE = (
    "//service/pipeline:call_runner",
    "//service/pipeline:method_catalog",
    "//service/pipeline:request_metadata",
    "//service/pipeline:trusted_proxies",
)


def query(expression, *flags):
    result = subprocess.run(
        ["bazel", "query", "--noshow_progress", *flags, expression],
        capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(2)
    return result.stdout


def package_of(label):
    return label.split(":", 1)[0]


def main():
    problems = []
    known = set(LAYER_OF)
    packages = {package_of(l) for l in query("//service/...").split()}
    for pkg in sorted(packages - known):
        problems.append(f"{pkg}: a package with no layer in tools/check_layers.py")

    graph = query("deps(//service/...)", "--output=graph", "--nograph:factored")
    for source, target in re.findall(r'"(//[^"]+)"\s*->\s*"(//[^"]+)"', graph):
        src_pkg, dst_pkg = package_of(source), package_of(target)
        if src_pkg == dst_pkg or src_pkg not in LAYER_OF or dst_pkg not in LAYER_OF:
            continue
        if LAYER_OF[dst_pkg] >= LAYER_OF[src_pkg]:
            problems.append(f"{source} -> {target}: {dst_pkg} is not below {src_pkg}")

    forbidden = " + ".join(GATEWAY_FORBIDDEN)
    for root in ("//service/gateway:all",) + TRANSPORT_FREE:
        reached = query(f"deps({root}) intersect ({forbidden})").split()
        for label in reached:
            problems.append(f"{root} reaches {label}: transports see only the "
                            "contract and the CallRunner")

    for problem in problems:
        print(f"  layering: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
