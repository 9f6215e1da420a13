// The latchkeyd binary as an operator meets it: settings it refuses (with
// one clear line and a non-zero exit), and a clean start and stop.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern char** environ;

namespace {

constexpr char kBinary[] = "service/latchkeyd";
// base64url of 32 bytes.
constexpr char kGoodSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";

std::string TempDir() {
  std::string pattern = std::string(std::getenv("TEST_TMPDIR")) + "/lkXXXXXX";
  return mkdtemp(pattern.data());
}

// A running (or finished) latchkeyd with its stderr.
class Process {
 public:
  Process(const std::vector<std::string>& args,
          const std::vector<std::string>& env) {
    int pipe_fds[2];
    EXPECT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    std::vector<std::string> argv_storage = {kBinary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = env;
    env_storage.push_back("PATH=/usr/bin:/bin");
    std::vector<char*> envp;
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(),
                          envp.data()),
              0);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    stderr_fd_ = pipe_fds[0];
  }

  ~Process() {
    if (exit_code_ == std::nullopt && pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stderr_fd_);
  }

  // Reads stderr until `needle` appears or 30 s pass; true if it appeared.
  bool WaitForOutput(const std::string& needle) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (output_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fd = {stderr_fd_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      ssize_t n = read(stderr_fd_, buffer, sizeof(buffer));
      if (n <= 0) return output_.find(needle) != std::string::npos;
      output_.append(buffer, n);
    }
    return true;
  }

  // Waits for exit (at most 30 s) and returns the exit code; -1 on timeout
  // or a signal.
  int Wait() {
    WaitForOutput(std::string(1, '\0'));  // drain stderr until EOF
    for (int i = 0; i < 300 && !exit_code_.has_value(); ++i) {
      int status = 0;
      pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      } else {
        pollfd none = {-1, 0, 0};
        poll(&none, 0, 100);  // wait for the child, 100 ms at a time
      }
    }
    return exit_code_.value_or(-1);
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string output_;
  std::optional<int> exit_code_;
};

TEST(Startup, MissingServerSecretOutsideDevModeIsRefused) {
  std::string dir = TempDir();
  Process process({"--data_dir=" + dir, "--grpc_address=127.0.0.1:0"}, {});
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_NE(process.output().find("latchkeyd: error: LATCHKEY_SERVER_SECRET"),
            std::string::npos)
      << process.output();
  EXPECT_NE(process.output().find("--dev"), std::string::npos);
  // One line.
  EXPECT_EQ(process.output().find('\n'), process.output().size() - 1);
}

TEST(Startup, MalformedServerSecretIsRefusedWithoutEchoingIt) {
  std::string dir = TempDir();
  Process process({"--data_dir=" + dir, "--grpc_address=127.0.0.1:0"},
                  {"LATCHKEY_SERVER_SECRET=hunter2-is-not-a-key"});
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_NE(process.output().find("LATCHKEY_SERVER_SECRET: must be base64url"),
            std::string::npos)
      << process.output();
  EXPECT_EQ(process.output().find("hunter2"), std::string::npos);
}

TEST(Startup, UnreadableDatabasePathIsRefused) {
  std::string dir = TempDir();
  // A path through a regular file can never be opened, even by root.
  std::string file = dir + "/not-a-directory";
  std::ofstream(file) << "x";
  Process process({"--data_dir=" + dir, "--grpc_address=127.0.0.1:0",
                   "--database=sqlite:" + file + "/latchkey.db"},
                  {std::string("LATCHKEY_SERVER_SECRET=") + kGoodSecret});
  EXPECT_NE(process.Wait(), 0);
  EXPECT_NE(process.output().find("latchkeyd: error: --database"),
            std::string::npos)
      << process.output();
  EXPECT_NE(process.output().find("not-a-directory"), std::string::npos);
}

TEST(Startup, BadListenAddressIsRefused) {
  std::string dir = TempDir();
  Process process({"--data_dir=" + dir, "--grpc_address=localhost"},
                  {std::string("LATCHKEY_SERVER_SECRET=") + kGoodSecret});
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_NE(process.output().find("--grpc_address"), std::string::npos)
      << process.output();
}

TEST(Startup, DevModeStartsKeepsItsSecretsPrivateAndStopsOnSigterm) {
  std::string dir = TempDir();
  std::string secrets = dir + "/dev-secrets.env";
  {
    Process process({"--dev", "--data_dir=" + dir,
                     "--grpc_address=127.0.0.1:0"},
                    {});
    ASSERT_TRUE(process.WaitForOutput("\"latchkeyd started\""))
        << process.output();
    process.Signal(SIGTERM);
    EXPECT_EQ(process.Wait(), 0) << process.output();
    EXPECT_NE(process.output().find("latchkeyd stopped"), std::string::npos);
  }
  struct stat info;
  ASSERT_EQ(stat(secrets.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  std::stringstream first;
  first << std::ifstream(secrets).rdbuf();
  EXPECT_NE(first.str().find("LATCHKEY_SERVER_SECRET="), std::string::npos);
  EXPECT_NE(first.str().find("LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY=sak_"),
            std::string::npos);

  // A second start reuses what the first generated.
  Process again({"--dev", "--data_dir=" + dir, "--grpc_address=127.0.0.1:0"},
                {});
  ASSERT_TRUE(again.WaitForOutput("\"latchkeyd started\"")) << again.output();
  again.Signal(SIGINT);
  EXPECT_EQ(again.Wait(), 0);
  std::stringstream second;
  second << std::ifstream(secrets).rdbuf();
  EXPECT_EQ(first.str(), second.str());
}

}  // namespace
