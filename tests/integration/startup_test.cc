// The latchkeyd binary as an operator meets it: settings it refuses (with
// one clear line and a non-zero exit), and a clean start and stop.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
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

  // Whether the process has not exited (reaps it, with its code, if it has).
  bool Running() {
    if (exit_code_.has_value()) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
    exit_code_ =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

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
    Process process(
        {"--dev", "--data_dir=" + dir, "--grpc_address=127.0.0.1:0"}, {});
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

// libpq and libcurl are opened when first needed: a server on SQLite that
// has made no outbound call does not map them (nor the Kerberos, LDAP and
// GnuTLS libraries they bring).
TEST(Startup, AServerOnSqliteDoesNotLoadLibpqOrLibcurl) {
  const std::string dir = TempDir();
  Process process({"--dev", "--data_dir=" + dir, "--grpc_address=127.0.0.1:0",
                   "--http_address=127.0.0.1:0"},
                  {});
  ASSERT_TRUE(process.WaitForOutput("\"latchkeyd started\""))
      << process.output();
  std::stringstream maps;
  maps << std::ifstream("/proc/" + std::to_string(process.pid()) + "/maps")
              .rdbuf();
  ASSERT_NE(maps.str().find("libsqlite3.so"), std::string::npos);
  for (const char* library : {"libpq.so", "libcurl.so", "libldap", "libkrb5"}) {
    EXPECT_EQ(maps.str().find(library), std::string::npos) << library;
  }
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0) << process.output();
}

// The REST port from the start-up line in `output`, or -1.
int HttpPortIn(const std::string& output) {
  const std::string field = "\"http_port\":";
  const size_t at = output.find(field);
  if (at == std::string::npos) return -1;
  return std::atoi(output.c_str() + at + field.size());
}

// One HTTP/1.1 request on a fresh connection; the whole answer, up to EOF
// (the request asks the server to close), or "" if none came in 10 s.
std::string RawHttp(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
          0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    pollfd readable = {fd, POLLIN, 0};
    char buffer[4096];
    while (poll(&readable, 1, 10000) > 0) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      answer.append(buffer, n);
    }
  }
  close(fd);
  return answer;
}

// GET /api/v1/projects/current for the internal project with client access,
// plus `extra_headers` (each ending in CRLF).
std::string GetCurrentProject(int port, const std::string& extra_headers = "") {
  return RawHttp(port,
                 "GET /api/v1/projects/current HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\nx-stack-project-id: internal\r\n"
                 "x-stack-access-type: client\r\n" +
                     extra_headers + "\r\n");
}

// A header name HTTP allows but gRPC metadata does not used to reach
// grpc++ (which aborts the process: exit 134) through the REST gateway's
// in-process call. Every such name, on every prefix the gateway reads,
// against the real binary: each request is answered and the server lives.
TEST(Startup, HeaderNamesGrpcCannotCarryDoNotStopTheServer) {
  std::string dir = TempDir();
  Process process({"--dev", "--data_dir=" + dir, "--grpc_address=127.0.0.1:0",
                   "--http_address=127.0.0.1:0"},
                  {});
  ASSERT_TRUE(process.WaitForOutput("\"latchkeyd started\""))
      << process.output();
  const std::string& output = process.output();
  const int port = HttpPortIn(output);
  ASSERT_GT(port, 0) << output;

  std::vector<std::string> headers;
  for (const char* prefix : {"x-stack-", "x-hexclave-", "x-latchkey-"}) {
    for (char c : std::string("!#$%&'*+^`|~")) {
      headers.push_back(std::string(prefix) + "a" + c + "b: 1");
    }
    headers.push_back(std::string(prefix) + "project-id: caf\xc3\xa9");
    headers.push_back(std::string(prefix) + "token-bin: AAAA");
  }
  for (const std::string& header : headers) {
    const std::string answer = RawHttp(
        port,
        "GET /api/v1/projects/internal/.well-known/jwks.json HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\nConnection: close\r\n" +
            header + "\r\n\r\n");
    ASSERT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << header << "\n"
                                                    << answer << "\n"
                                                    << process.output();
    ASSERT_TRUE(process.Running()) << header << "\n" << process.output();
  }
  // A control byte in a value is refused by the HTTP parser itself.
  EXPECT_EQ(RawHttp(port,
                    "GET /api/v1/projects/current HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\nx-stack-access-type: client\x7f"
                    "\r\n\r\n")
                .rfind("HTTP/1.1 400 ", 0),
            0u);
  // And the same through a route that reads the headers (authentication).
  const std::string answer = GetCurrentProject(port, "x-stack-a!b: 1\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
  EXPECT_TRUE(process.Running()) << process.output();
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0) << process.output();
}

// Request lines gathered for a whole second (--log_flush_ms=1000) still all
// reach stderr when the server stops on SIGTERM, before its last line.
TEST(Startup, BufferedRequestLinesAreWrittenBeforeTheServerStops) {
  std::string dir = TempDir();
  Process process({"--dev", "--data_dir=" + dir, "--grpc_address=127.0.0.1:0",
                   "--http_address=127.0.0.1:0", "--log_flush_ms=1000"},
                  {});
  ASSERT_TRUE(process.WaitForOutput("\"latchkeyd started\""))
      << process.output();
  const std::string& output = process.output();
  const int port = HttpPortIn(output);
  ASSERT_GT(port, 0) << output;
  constexpr int kRequests = 20;
  for (int i = 0; i < kRequests; ++i) {
    const std::string answer = GetCurrentProject(port);
    ASSERT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
  }
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0) << process.output();
  int request_lines = 0;
  for (size_t from = 0;
       (from = output.find("\"msg\":\"request\"", from)) != std::string::npos;
       ++from) {
    ++request_lines;
  }
  EXPECT_EQ(request_lines, kRequests) << output;
  const size_t stopped = output.find("\"latchkeyd stopped\"");
  ASSERT_NE(stopped, std::string::npos) << output;
  EXPECT_EQ(output.find('\n', stopped), output.size() - 1) << output;
}

}  // namespace
