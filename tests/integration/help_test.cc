// latchkeyd --help: every flag main.cc defines is listed with its
// environment variable and default, in groups (absl's own --help listed
// none: "No flags matched").
#include <stdio.h>
#include <sys/wait.h>

#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace {

struct Output {
  int exit_code = -1;
  std::string text;
};

Output RunLatchkeyd(const std::string& args) {
  Output output;
  FILE* pipe = popen(("service/latchkeyd " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.text.append(buffer, n);
  }
  int status = pclose(pipe);
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// The flags absl knows main.cc defines, from --helpfull's section for it.
std::set<std::string> MainFlags() {
  std::set<std::string> flags;
  std::istringstream lines(RunLatchkeyd("--helpfull").text);
  std::string line;
  bool in_main = false;
  while (std::getline(lines, line)) {
    if (line.find("Flags from ") != std::string::npos) {
      in_main = line.find("service/main.cc") != std::string::npos;
      continue;
    }
    const size_t dashes = 4;
    if (!in_main || line.compare(0, dashes + 2, "    --") != 0) continue;
    const size_t end = line.find_first_of(" (", dashes);
    flags.insert(line.substr(dashes + 2, end - dashes - 2));
  }
  return flags;
}

TEST(HelpTest, ListsEveryFlagWithItsEnvironmentVariableAndDefault) {
  Output help = RunLatchkeyd("--help");
  EXPECT_EQ(help.exit_code, 0) << help.text;
  EXPECT_EQ(help.text.find("No flags matched"), std::string::npos);
  for (const char* group : {"Listeners:", "Storage:", "TLS:", "Mail:",
                            "Limits:", "Dev:", "Secrets"}) {
    EXPECT_NE(help.text.find(std::string("\n") + group), std::string::npos)
        << group << "\n"
        << help.text;
  }
  const std::set<std::string> flags = MainFlags();
  ASSERT_GE(flags.size(), 20u) << "could not read --helpfull";
  std::istringstream lines(help.text);
  std::string line;
  std::set<std::string> documented;
  while (std::getline(lines, line)) {
    const size_t start = line.find("  --");
    if (start != 0) continue;
    const size_t end = line.find(' ', start + 4);
    const std::string name = line.substr(start + 4, end - start - 4);
    EXPECT_NE(line.find("env LATCHKEY_"), std::string::npos) << line;
    EXPECT_NE(line.find("default: "), std::string::npos) << line;
    documented.insert(name);
  }
  for (const std::string& flag : flags) {
    EXPECT_TRUE(documented.count(flag)) << "--" << flag << " missing\n"
                                        << help.text;
  }
  for (const std::string& flag : documented) {
    EXPECT_TRUE(flags.count(flag)) << "--" << flag << " is not a flag";
  }
  for (const char* env : {"LATCHKEY_SERVER_SECRET", "LATCHKEY_SMTP_URL",
                          "LATCHKEY_ADMIN_RECOVERY_KEY"}) {
    EXPECT_NE(help.text.find(env), std::string::npos) << env;
  }
}

}  // namespace
