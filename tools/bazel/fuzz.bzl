"""cc_fuzzer: a libFuzzer target and the regression test over its corpus.

cc_fuzzer(name = "jwt_fuzzer", srcs = ["jwt_fuzzer.cc"], deps = [...],
          dict = "json") defines:
  :jwt_fuzzer              the fuzzer: libFuzzer's main under --config=fuzz
                           (./tools/dev fuzz), otherwise a driver that runs
                           the files it is given once each;
  :jwt_fuzzer_corpus_test  runs every file of testdata/fuzz/jwt_fuzzer/ (the
                           seeds and each fixed crash) through it, in the
                           normal `bazel test //...`.
The source defines LLVMFuzzerTestOneInput and must build with g++ and clang.
`dict` names a dictionary of //tools/fuzz ("json", "http") that
./tools/dev fuzz passes to libFuzzer (through the fuzz_dict_* tag).
"""

def cc_fuzzer(name, srcs, deps = [], dict = None, data = [], **kwargs):
    tags = ["fuzzer"]
    if dict:
        tags.append("fuzz_dict_" + dict)
    corpus = "testdata/fuzz/" + name
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//tools/fuzz:libfuzzer": [],
            "//conditions:default": ["//tools/fuzz:fuzz_driver"],
        }),
        linkopts = select({
            "//tools/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = data,
        tags = tags,
        **kwargs
    )
    native.cc_test(
        name = name + "_corpus_test",
        srcs = srcs,
        deps = deps + ["//tools/fuzz:fuzz_driver"],
        data = data + native.glob([corpus + "/**"]),
        args = [native.package_name() + "/" + corpus],
        size = "small",
        **kwargs
    )
