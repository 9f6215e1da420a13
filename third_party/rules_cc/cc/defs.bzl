"""Forwards the rules_cc entry points to Bazel's native C++ rules.

Bazel 4.2.3 loads cc_library, cc_toolchain and cc_toolchain_suite from
@rules_cc//cc:defs.bzl; Debian's bazel-rules-cc needs a newer Bazel, so this
shim keeps the build offline without it.
"""

def cc_library(**kwargs):
    native.cc_library(**kwargs)

def cc_binary(**kwargs):
    native.cc_binary(**kwargs)

def cc_test(**kwargs):
    native.cc_test(**kwargs)

def cc_import(**kwargs):
    native.cc_import(**kwargs)

def cc_proto_library(**kwargs):
    native.cc_proto_library(**kwargs)

def cc_toolchain(**kwargs):
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    native.cc_toolchain_suite(**kwargs)

def objc_library(**kwargs):
    native.objc_library(**kwargs)

def objc_import(**kwargs):
    native.objc_import(**kwargs)
