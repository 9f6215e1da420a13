"""Compiles .proto files with Debian's protoc and grpc_cpp_plugin.

Bazel 4.2.3's proto rules would download protoc; this macro runs the system
compilers instead, in a genrule, and wraps the generated sources in a
cc_library. Import paths are relative to `proto_root` (for this project's own
protos, the package directory), so `proto/identity/v1/auth.proto` is imported
as "identity/v1/auth.proto" and its header included as
"identity/v1/auth.pb.h".
"""

_PROTOC = "/usr/bin/protoc"
_GRPC_PLUGIN = "/usr/bin/grpc_cpp_plugin"

def _stem(src):
    """'@repo//:google/api/http.proto' or 'identity/v1/x.proto' -> path without .proto."""
    path = src.split(":")[-1] if ":" in src else src
    if not path.endswith(".proto"):
        fail("not a .proto file: " + src)
    return path[:-len(".proto")]

def latchkey_proto_library(
        name,
        srcs,
        proto_root = None,
        deps = [],
        proto_deps = [],
        import_dirs = [],
        grpc = False,
        visibility = None):
    """Generates C++ (and optionally gRPC) code for `srcs` and a cc_library `name`.

    Args:
      name: the cc_library to create.
      srcs: .proto files, relative to the package or labels in an external repo.
      proto_root: the directory (relative to the execution root) that import
        paths start from; defaults to this package's directory.
      deps: cc_library targets the generated code needs (other proto libraries).
      proto_deps: .proto files of those dependencies (protoc inputs).
      import_dirs: further -I directories for those dependencies.
      grpc: whether to also run grpc_cpp_plugin.
      visibility: visibility of the cc_library.
    """
    root = proto_root if proto_root != None else native.package_name()
    out_dir = "$(GENDIR)/" + native.package_name()
    stems = [_stem(s) for s in srcs]
    outs = []
    for stem in stems:
        outs += [stem + ".pb.h", stem + ".pb.cc"]
        if grpc:
            outs += [stem + ".grpc.pb.h", stem + ".grpc.pb.cc"]

    includes = " ".join(["-I" + d for d in [root] + import_dirs])
    files = " ".join([root + "/" + stem + ".proto" for stem in stems])
    cmd = "%s %s --cpp_out=%s" % (_PROTOC, includes, out_dir)
    if grpc:
        cmd += " --plugin=protoc-gen-grpc=%s --grpc_out=%s" % (_GRPC_PLUGIN, out_dir)
    cmd += " " + files

    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = cmd,
        message = "protoc " + name,
    )

    sys_deps = ["//third_party/system:protobuf"]
    if grpc:
        sys_deps.append("//third_party/system:grpc")
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        # Generated code includes its siblings by import path.
        includes = ["."],
        # Generated code is not ours to keep warning-free.
        copts = ["-Wno-error", "-w"],
        deps = deps + sys_deps,
        visibility = visibility,
    )
