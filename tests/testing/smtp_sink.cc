#include "tests/testing/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace latchkey::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

// Waits without busy-looping: poll(2) on nothing for `ms`.
void Pause(int ms) { poll(nullptr, 0, ms); }

// Headers and body of one message or MIME part; maildir files end lines in
// LF.
SmtpSink::Message ParseEntity(const std::string& raw) {
  SmtpSink::Message message;
  std::string text = absl::StrReplaceAll(raw, {{"\r\n", "\n"}});
  size_t split = text.find("\n\n");
  std::string head = text.substr(0, split);
  message.body = split == std::string::npos ? "" : text.substr(split + 2);
  std::string last;
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !last.empty()) {
      message.headers[last] += std::string(absl::StripAsciiWhitespace(line));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    last = absl::AsciiStrToLower(line.substr(0, colon));
    message.headers[last] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return message;
}

std::string MediaType(const SmtpSink::Message& entity) {
  auto it = entity.headers.find("content-type");
  if (it == entity.headers.end()) return "text/plain";
  return absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(it->second.substr(0, it->second.find(';'))));
}

std::string Decoded(const SmtpSink::Message& entity) {
  auto it = entity.headers.find("content-transfer-encoding");
  if (it == entity.headers.end() ||
      absl::AsciiStrToLower(it->second) != "base64") {
    return entity.body;
  }
  std::string compact;
  for (char c : entity.body) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact += c;
  }
  std::string decoded;
  if (!absl::Base64Unescape(compact, &decoded)) return "<bad base64>";
  return decoded;
}

SmtpSink::Message Parse(const std::string& raw) {
  SmtpSink::Message message = ParseEntity(raw);
  const std::string type = MediaType(message);
  if (!absl::StartsWith(type, "multipart/")) {
    message.parts[type] = Decoded(message);
    return message;
  }
  const std::string& content_type = message.headers["content-type"];
  const size_t at = content_type.find("boundary=\"");
  if (at == std::string::npos) return message;
  const size_t start = at + std::string("boundary=\"").size();
  const std::string delimiter =
      "--" + content_type.substr(start, content_type.find('"', start) - start);
  std::vector<std::string> chunks = absl::StrSplit(message.body, delimiter);
  // chunks[0] is the preamble; the last starts with "--" (the end).
  for (size_t i = 1; i < chunks.size(); ++i) {
    if (absl::StartsWith(chunks[i], "--")) break;
    std::string chunk = chunks[i];
    if (absl::StartsWith(chunk, "\n")) chunk.erase(0, 1);
    // The line break before a delimiter belongs to the delimiter.
    if (absl::EndsWith(chunk, "\n")) chunk.pop_back();
    SmtpSink::Message part = ParseEntity(chunk);
    message.parts[MediaType(part)] = Decoded(part);
  }
  return message;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpSink>> SmtpSink::Start() {
  std::unique_ptr<SmtpSink> sink(new SmtpSink());
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/smtpXXXXXX");
  sink->maildir_ = mkdtemp(pattern.data());
  sink->port_ = FreePort();
  std::vector<std::string> args = {"/usr/bin/python3",
                                   "-m",
                                   "aiosmtpd",
                                   "-n",
                                   "-l",
                                   absl::StrCat("127.0.0.1:", sink->port_),
                                   "-c",
                                   "aiosmtpd.handlers.Mailbox",
                                   sink->maildir_ + "/mail"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  if (posix_spawn(&sink->pid_, argv[0], nullptr, nullptr, argv.data(),
                  environ) != 0) {
    return absl::UnavailableError("cannot start python3 -m aiosmtpd");
  }
  for (int i = 0; i < 200; ++i) {
    if (Accepts(sink->port_)) return sink;
    int status = 0;
    if (waitpid(sink->pid_, &status, WNOHANG) == sink->pid_) {
      sink->pid_ = -1;
      return absl::UnavailableError("aiosmtpd exited at start");
    }
    Pause(100);
  }
  return absl::UnavailableError("aiosmtpd did not start within 20 s");
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(maildir_, ignored);
}

std::string SmtpSink::url() const {
  return absl::StrCat("smtp://127.0.0.1:", port_);
}

absl::StatusOr<std::vector<SmtpSink::Message>> SmtpSink::WaitForMessages(
    size_t count, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(maildir_ + "/mail/new", error)) {
      files.push_back(entry.path());
    }
    if (files.size() >= count) {
      std::vector<std::pair<std::filesystem::file_time_type, std::string>>
          dated;
      for (const auto& file : files) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        dated.emplace_back(std::filesystem::last_write_time(file), text.str());
      }
      std::sort(dated.begin(), dated.end());
      std::vector<Message> messages;
      for (const auto& [when, text] : dated) messages.push_back(Parse(text));
      return messages;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("expected ", count, " messages, got ", files.size()));
    }
    Pause(50);
  }
}

}  // namespace latchkey::testing
