#include "common/testing/fuzzing.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace latchkey::common::testing {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

std::filesystem::path RunfilesPath(const std::string& workspace_relative) {
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    const char* workspace = std::getenv("TEST_WORKSPACE");
    std::filesystem::path candidate = std::filesystem::path(srcdir) /
                                      (workspace ? workspace : "latchkey") /
                                      workspace_relative;
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return workspace_relative;
}

std::vector<std::string> ReadFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files.push_back(text.str());
  }
  return files;
}

std::vector<std::string> ReadLines(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string Mutate(std::mt19937_64& random, const std::string& input,
                   const std::string& other) {
  static const char kSpecial[] = {
      '"', '{',  '}',  '[',    ']',    ':',    ',', '%', '/', '=', '&',
      '*', '\\', '\0', '\x7f', '\xff', '\xc3', '.', '?', '#', ' ', '\n'};
  std::string out = input;
  auto pick = [&random](size_t bound) {
    return bound == 0
               ? size_t{0}
               : std::uniform_int_distribution<size_t>(0, bound - 1)(random);
  };
  const int edits = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < edits; ++i) {
    switch (pick(7)) {
      case 0:  // flip a bit
        if (!out.empty()) out[pick(out.size())] ^= 1 << pick(8);
        break;
      case 1:  // insert a special byte
        out.insert(out.begin() + pick(out.size() + 1),
                   kSpecial[pick(sizeof(kSpecial))]);
        break;
      case 2:  // delete a run
        if (!out.empty()) {
          size_t at = pick(out.size());
          out.erase(at, 1 + pick(std::min<size_t>(8, out.size() - at)));
        }
        break;
      case 3:  // duplicate a run
        if (!out.empty()) {
          size_t at = pick(out.size());
          std::string run = out.substr(at, 1 + pick(16));
          out.insert(at, run);
        }
        break;
      case 4:  // truncate
        out.resize(pick(out.size() + 1));
        break;
      case 5:  // splice with another input
        if (!other.empty()) {
          out = out.substr(0, pick(out.size() + 1)) +
                other.substr(pick(other.size()));
        }
        break;
      default:  // replace a byte with a random one
        if (!out.empty()) {
          out[pick(out.size())] = static_cast<char>(pick(256));
        }
        break;
    }
  }
  return out;
}

}  // namespace latchkey::common::testing
