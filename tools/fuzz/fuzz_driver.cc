// A main for libFuzzer targets when libFuzzer is not linked in (the normal
// g++ build, and each fuzzer's corpus regression test): feeds every file
// named on the command line, or found under a directory named there, to
// LLVMFuzzerTestOneInput once. A target that crashes or trips a sanitizer
// on an input ends the process, which fails the test. Finding no input at
// all is a failure too, so a corpus that went missing cannot pass quietly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

std::vector<std::filesystem::path> Inputs(const char* arg) {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path path(arg);
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
  } else if (std::filesystem::is_regular_file(path)) {
    inputs.push_back(path);
  }
  return inputs;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;  // libFuzzer flags: not ours
    std::vector<std::filesystem::path> inputs = Inputs(argv[i]);
    if (inputs.empty()) {
      std::fprintf(stderr, "fuzz_driver: no input at %s\n", argv[i]);
      return 1;
    }
    for (const auto& input : inputs) {
      std::ifstream in(input, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
      ++ran;
    }
  }
  if (ran == 0) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 1;
  }
  std::printf("fuzz_driver: %zu inputs ran without a crash\n", ran);
  return 0;
}
