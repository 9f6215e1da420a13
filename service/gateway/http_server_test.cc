// The HTTP server over real sockets: keep-alive, pipelining, limits, slow
// clients, overload and shutdown.
#include "service/gateway/http_server.h"

#include <dirent.h>
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace latchkey::service::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

HttpResponse LimitAnswer(HttpLimitError why) {
  HttpResponse response;
  switch (why) {
    case HttpLimitError::kBodyTooLarge:
      response.status = 413;
      break;
    case HttpLimitError::kHeadersTooLarge:
      response.status = 431;
      break;
    case HttpLimitError::kUrlTooLong:
      response.status = 414;
      break;
    case HttpLimitError::kTooManyConnections:
      response.status = 503;
      break;
    case HttpLimitError::kMalformed:
      response.status = 400;
      break;
    case HttpLimitError::kTimeout:
      response.status = 408;
      break;
  }
  response.body = "limit";
  return response;
}

// Echoes method, target and body; answers from another thread when the
// path is /async, to show `respond` may come from anywhere.
std::unique_ptr<HttpServer> Start(HttpLimits limits = {}) {
  auto server = HttpServer::Start(
      "127.0.0.1:0", limits,
      [](HttpRequest request, HttpServer::Respond respond) {
        HttpResponse response;
        response.headers.push_back({"content-type", "text/plain"});
        response.body =
            absl::StrCat(request.method, " ", request.target, " ", request.body,
                         " ", request.Header("x-test"));
        if (request.target == "/async") {
          std::thread([respond = std::move(respond),
                       response = std::move(response)]() mutable {
            respond(std::move(response));
          }).detach();
          return;
        }
        respond(std::move(response));
      },
      LimitAnswer);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
  }

  // From a chosen source address (any of 127.0.0.0/8 on Linux).
  Client(int port, const std::string& from) : socket_(io_) {
    socket_.open(tcp::v4());
    socket_.bind(tcp::endpoint(net::ip::make_address(from), 0));
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                  static_cast<unsigned short>(port)));
  }

  void Close() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void Write(const std::string& bytes) {
    net::write(socket_, net::buffer(bytes));
  }

  // Reads one response; status 0 when the server closed the connection.
  http::response<http::string_body> Read() {
    http::response<http::string_body> response;
    beast::error_code error;
    http::read(socket_, buffer_, response, error);
    if (error) response.result_int() == 0 ? void() : void();
    if (error) return http::response<http::string_body>{};
    return response;
  }

  // True when the server has closed the connection (read hits EOF).
  bool ClosedByServer() {
    char byte;
    beast::error_code error;
    socket_.read_some(net::buffer(&byte, 1), error);
    return error == net::error::eof || error == net::error::connection_reset;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Get(const std::string& target, const std::string& extra = "") {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n", extra,
                      "\r\n");
}

TEST(HttpServer, ServesManyRequestsOnOneKeepAliveConnection) {
  auto server = Start();
  Client client(server->port());
  for (int i = 0; i < 100; ++i) {
    client.Write(Get(absl::StrCat("/n/", i)));
    auto response = client.Read();
    ASSERT_EQ(response.result_int(), 200) << i;
    EXPECT_EQ(response.body(), absl::StrCat("GET /n/", i, "  "));
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_EQ(server->active_connections(), 1);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = Start();
  Client client(server->port());
  client.Write(Get("/a") + Get("/async") +
               "POST /c HTTP/1.1\r\nHost: x\r\n"
               "Content-Length: 4\r\nX-Test: t\r\n\r\nbody");
  EXPECT_EQ(client.Read().body(), "GET /a  ");
  EXPECT_EQ(client.Read().body(), "GET /async  ");
  EXPECT_EQ(client.Read().body(), "POST /c body t");
}

TEST(HttpServer, OversizedBodyIs413AndCloses) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  auto server = Start(limits);
  Client client(server->port());
  client.Write(
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
      "01234567890");
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServer, ChunkedBodyOverTheLimitIs413) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  auto server = Start(limits);
  Client client(server->port());
  client.Write(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 413);
}

TEST(HttpServer, OversizedHeadersAre431) {
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  auto server = Start(limits);
  Client client(server->port());
  client.Write(
      Get("/x", absl::StrCat("X-Big: ", std::string(2000, 'a'), "\r\n")));
  EXPECT_EQ(client.Read().result_int(), 431);
}

TEST(HttpServer, TooManyHeadersAre431) {
  HttpLimits limits;
  limits.max_header_count = 5;
  auto server = Start(limits);
  Client client(server->port());
  std::string headers;
  for (int i = 0; i < 6; ++i) absl::StrAppend(&headers, "X-", i, ": v\r\n");
  client.Write(Get("/x", headers));
  EXPECT_EQ(client.Read().result_int(), 431);
}

TEST(HttpServer, LongUrlIs414) {
  HttpLimits limits;
  limits.max_url_bytes = 100;
  auto server = Start(limits);
  Client client(server->port());
  client.Write(Get("/" + std::string(200, 'u')));
  EXPECT_EQ(client.Read().result_int(), 414);
}

TEST(HttpServer, GarbageIs400) {
  auto server = Start();
  Client client(server->port());
  client.Write("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 400);
}

TEST(HttpServer, StalledClientIsCutOffWithoutHoldingUpOthers) {
  HttpLimits limits;
  limits.request_read_timeout = absl::Milliseconds(300);
  limits.io_threads = 1;
  auto server = Start(limits);
  Client stalled(server->port());
  stalled.Write("GET /slow HTTP/1.1\r\nHost: x\r\n");  // never finishes
  // Another client is served while the first one stalls, on the only thread.
  Client other(server->port());
  other.Write(Get("/fast"));
  EXPECT_EQ(other.Read().result_int(), 200);
  // The stalled one gets 408 once its time is up, then the door.
  EXPECT_EQ(stalled.Read().result_int(), 408);
  EXPECT_TRUE(stalled.ClosedByServer());
}

TEST(HttpServer, IdleKeepAliveConnectionsAreClosed) {
  HttpLimits limits;
  limits.idle_timeout = absl::Milliseconds(200);
  auto server = Start(limits);
  Client client(server->port());
  client.Write(Get("/x"));
  EXPECT_EQ(client.Read().result_int(), 200);
  EXPECT_TRUE(client.ClosedByServer());  // after the idle timeout, no 408
}

TEST(HttpServer, ConnectionsOverTheLimitGet503) {
  HttpLimits limits;
  limits.max_connections = 1;
  auto server = Start(limits);
  Client first(server->port());
  first.Write(Get("/x"));
  ASSERT_EQ(first.Read().result_int(), 200);
  Client second(server->port());
  EXPECT_EQ(second.Read().result_int(), 503);
}

TEST(HttpServer, ExpectContinueIsHonoured) {
  auto server = Start();
  Client client(server->port());
  client.Write(
      "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n");
  auto interim = client.Read();
  EXPECT_EQ(interim.result_int(), 100);
  client.Write("ok");
  EXPECT_EQ(client.Read().body(), "POST /e ok ");
}

TEST(HttpServer, ConnectionCloseIsRespected) {
  auto server = Start();
  Client client(server->port());
  client.Write(Get("/x", "Connection: close\r\n"));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServer, ShutdownClosesIdleConnectionsAndStopsAccepting) {
  auto server = Start();
  const int port = server->port();
  Client client(port);
  client.Write(Get("/x"));
  ASSERT_EQ(client.Read().result_int(), 200);
  server->Shutdown(absl::Seconds(2));
  EXPECT_TRUE(client.ClosedByServer());
  net::io_context io;
  tcp::socket socket(io);
  beast::error_code error;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)),
                 error);
  EXPECT_TRUE(error) << "still accepting";
}

TEST(HttpServer, BadAddressesAreRefused) {
  auto respond = [](HttpRequest, HttpServer::Respond) {};
  EXPECT_EQ(
      HttpServer::Start("nonsense", {}, respond, LimitAnswer).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto first = Start();
  EXPECT_EQ(HttpServer::Start(absl::StrCat("127.0.0.1:", first->port()), {},
                              respond, LimitAnswer)
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace latchkey::service::gateway

namespace latchkey::service::gateway {
namespace {

// Regression: the write deadline once stayed armed after a response and
// closed the keep-alive connection while it waited for the next request.
TEST(HttpServer, KeepAliveOutlivesTheWriteDeadline) {
  HttpLimits limits;
  limits.request_read_timeout = absl::Milliseconds(100);
  limits.idle_timeout = absl::Seconds(30);
  auto server = Start(limits);
  Client client(server->port());
  client.Write(Get("/first"));
  ASSERT_EQ(client.Read().result_int(), 200);
  // Wait well past the write deadline, for an event that never comes.
  net::io_context io;
  net::steady_timer timer(io, std::chrono::milliseconds(400));
  timer.wait();
  client.Write(Get("/second"));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "GET /second  ");
}

}  // namespace
}  // namespace latchkey::service::gateway

namespace latchkey::service::gateway {
namespace {

// A full-duplex client, like curl: sends a large body in pieces and stops
// sending as soon as an answer begins to arrive, then reads all of it. Its
// receive buffer is small, so an answer larger than the buffer is still
// partly on the server when the client stops sending: a reset at that point
// (which is what closing with unread request bytes sends) discards the rest,
// as it would on a slow link.
struct EarlyAnswer {
  http::response<http::string_body> response;
  beast::error_code read_error;
  size_t body_bytes_written = 0;
};

EarlyAnswer PostLargeBody(int port, const std::string& head,
                          size_t body_bytes) {
  net::io_context io;
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.set_option(net::socket_base::receive_buffer_size(8 * 1024));
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)));
  EarlyAnswer answer;
  // The head and a first piece of body in one write: the server surely
  // has request bytes it never read when it answers.
  const std::string piece(64 * 1024, 'b');
  net::write(socket, net::buffer(head + piece));
  answer.body_bytes_written = piece.size();
  socket.non_blocking(true);
  while (answer.body_bytes_written < body_bytes) {
    pollfd fd{socket.native_handle(), POLLIN | POLLOUT, 0};
    if (::poll(&fd, 1, -1) < 0) break;
    if (fd.revents & (POLLIN | POLLERR | POLLHUP)) break;
    beast::error_code error;
    const size_t n = socket.write_some(
        net::buffer(
            piece.data(),
            std::min(piece.size(), body_bytes - answer.body_bytes_written)),
        error);
    if (error == net::error::would_block) continue;
    if (error) break;
    answer.body_bytes_written += n;
  }
  socket.non_blocking(false);
  beast::flat_buffer buffer;
  http::read(socket, buffer, answer.response, answer.read_error);
  return answer;
}

// Answers 413 with a body larger than PostLargeBody's receive buffer.
std::unique_ptr<HttpServer> StartWithLargeLimitAnswers(HttpLimits limits) {
  auto server = HttpServer::Start(
      "127.0.0.1:0", limits,
      [](HttpRequest, HttpServer::Respond respond) { respond({}); },
      [](HttpLimitError why) {
        HttpResponse response = LimitAnswer(why);
        response.body = std::string(1024 * 1024, 'x');
        return response;
      });
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(HttpServer, OversizedBodyAnswerReachesAClientStillSending) {
  HttpLimits limits;
  limits.max_body_bytes = 1024;
  auto server = StartWithLargeLimitAnswers(limits);
  constexpr size_t kBody = 8 << 20;
  EarlyAnswer answer = PostLargeBody(
      server->port(),
      absl::StrCat("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ", kBody,
                   "\r\n\r\n"),
      kBody);
  ASSERT_FALSE(answer.read_error) << answer.read_error.message();
  EXPECT_EQ(answer.response.result_int(), 413);
  EXPECT_EQ(answer.response.body().size(), 1024u * 1024);
  EXPECT_FALSE(answer.response.keep_alive());
  EXPECT_LT(answer.body_bytes_written, kBody) << "never saw the answer early";
}

TEST(HttpServer, ChunkedOversizedBodyAnswerReachesAClientStillSending) {
  HttpLimits limits;
  limits.max_body_bytes = 1024;
  auto server = StartWithLargeLimitAnswers(limits);
  // One chunk of 8 MiB: the limit trips while the body is arriving.
  constexpr size_t kBody = 8 << 20;
  EarlyAnswer answer = PostLargeBody(
      server->port(),
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "800000\r\n",
      kBody);
  ASSERT_FALSE(answer.read_error) << answer.read_error.message();
  EXPECT_EQ(answer.response.result_int(), 413);
  EXPECT_EQ(answer.response.body().size(), 1024u * 1024);
}

}  // namespace
}  // namespace latchkey::service::gateway

namespace latchkey::service::gateway {
namespace {

// Waits (up to 10 s) for something the server does on its own threads.
bool Eventually(const std::function<bool()>& condition) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A client that keeps sending and never reads, after a request the server
// answers early; returns the bytes it got out before the server cut it
// off (its write failed).
size_t SendForever(int port, size_t piece_bytes,
                   std::chrono::milliseconds pause) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port)));
  net::write(socket,
             net::buffer(std::string("POST /x HTTP/1.1\r\nHost: x\r\n"
                                     "Content-Length: 1000000000000\r\n\r\n")));
  const std::string piece(piece_bytes, 'b');
  size_t sent = 0;
  for (;;) {
    beast::error_code error;
    net::write(socket, net::buffer(piece), error);
    if (error) return sent;
    sent += piece.size();
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
}

TEST(HttpServer, DrainStopsAfterItsByteBound) {
  HttpLimits limits;
  limits.max_body_bytes = 1024;
  limits.drain_max_bytes = 1024 * 1024;
  limits.drain_timeout = absl::Seconds(600);  // only the bytes can end it
  auto server = Start(limits);
  const size_t sent =
      SendForever(server->port(), 64 * 1024, std::chrono::milliseconds(0));
  // What the drain read, plus what the kernel buffers on both sides held
  // (a few MiB on Linux): the client was cut off, it did not send forever.
  EXPECT_LT(sent, size_t{64} << 20);
  EXPECT_TRUE(Eventually([&] { return server->active_connections() == 0; }));
}

TEST(HttpServer, DrainStopsAfterItsTimeBound) {
  HttpLimits limits;
  limits.max_body_bytes = 1024;
  limits.drain_timeout = absl::Milliseconds(300);  // bytes would take years
  auto server = Start(limits);
  const size_t sent =
      SendForever(server->port(), 1024, std::chrono::milliseconds(20));
  EXPECT_LT(sent, limits.drain_max_bytes);
  EXPECT_TRUE(Eventually([&] { return server->active_connections() == 0; }));
}

// Regression: one address could take every connection slot.
TEST(HttpServer, ConnectionsFromOneAddressAreCapped) {
  HttpLimits limits;
  limits.max_connections_per_address = 2;
  auto server = Start(limits);
  const int port = server->port();
  Client first(port), second(port);
  first.Write(Get("/1"));
  ASSERT_EQ(first.Read().result_int(), 200);
  second.Write(Get("/2"));
  ASSERT_EQ(second.Read().result_int(), 200);
  Client third(port);
  EXPECT_EQ(third.Read().result_int(), 503);
  EXPECT_TRUE(third.ClosedByServer());
  EXPECT_EQ(server->active_connections_from("127.0.0.1"), 2);
  // Another address is not affected.
  Client other(port, "127.0.0.2");
  other.Write(Get("/other"));
  EXPECT_EQ(other.Read().result_int(), 200);
  EXPECT_EQ(server->active_connections_from("127.0.0.2"), 1);
  // A slot freed is a slot again: the count follows every close.
  first.Close();
  ASSERT_TRUE(Eventually(
      [&] { return server->active_connections_from("127.0.0.1") == 1; }));
  Client fourth(port);
  fourth.Write(Get("/4"));
  EXPECT_EQ(fourth.Read().result_int(), 200);
  second.Close();
  fourth.Close();
  other.Close();
  EXPECT_TRUE(Eventually(
      [&] { return server->active_connections_from("127.0.0.1") == 0; }));
  EXPECT_TRUE(Eventually([&] { return server->active_connections() == 0; }));
}

TEST(HttpServer, ConnectionsClosedByTheServerReleaseTheirAddress) {
  HttpLimits limits;
  limits.max_connections_per_address = 1;
  limits.max_body_bytes = 10;
  auto server = Start(limits);
  const int port = server->port();
  // Closed after an answer, after a limit error, after Connection: close.
  for (int i = 0; i < 3; ++i) {
    Client client(port);
    if (i == 0) client.Write(Get("/x", "Connection: close\r\n"));
    if (i == 1) {
      client.Write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n");
    }
    if (i == 2) client.Write("NOT HTTP\r\n\r\n");
    EXPECT_NE(client.Read().result_int(), 503) << i;
    EXPECT_TRUE(client.ClosedByServer()) << i;
    client.Close();  // ends the drain after an early answer
    ASSERT_TRUE(Eventually([&] {
      return server->active_connections_from("127.0.0.1") == 0;
    })) << i;
  }
}

TEST(HttpServer, TrustedProxiesAreNotCappedByTheirAddress) {
  HttpLimits limits;
  limits.max_connections_per_address = 1;
  auto proxies = TrustedProxies::Parse("127.0.0.1");
  ASSERT_TRUE(proxies.ok());
  limits.uncapped_peers = *proxies;
  auto server = Start(limits);
  const int port = server->port();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<Client>(port));
    clients.back()->Write(Get("/p"));
    EXPECT_EQ(clients.back()->Read().result_int(), 200) << i;
  }
  EXPECT_EQ(server->active_connections_from("127.0.0.1"), 0);
  // Everyone else still is.
  Client a(port, "127.0.0.2");
  a.Write(Get("/a"));
  EXPECT_EQ(a.Read().result_int(), 200);
  Client b(port, "127.0.0.2");
  EXPECT_EQ(b.Read().result_int(), 503);
}

TEST(HttpServer, IPv4MappedPeersCountAsTheirIPv4Address) {
  HttpLimits limits;
  limits.max_connections_per_address = 1;
  auto started = HttpServer::Start(
      "[::]:0", limits,
      [](HttpRequest request, HttpServer::Respond respond) {
        HttpResponse response;
        response.body = request.client_ip;
        respond(std::move(response));
      },
      LimitAnswer);
  if (!started.ok()) GTEST_SKIP() << "no IPv6: " << started.status();
  auto& server = *started;
  Client first(server->port());
  first.Write(Get("/"));
  auto response = first.Read();
  ASSERT_EQ(response.result_int(), 200);
  if (response.body() != "::ffff:127.0.0.1") {
    GTEST_SKIP() << "not a dual-stack socket: peer " << response.body();
  }
  EXPECT_EQ(server->active_connections_from("127.0.0.1"), 1);
  EXPECT_EQ(server->active_connections_from("::ffff:127.0.0.1"), 1);
  Client second(server->port());
  EXPECT_EQ(second.Read().result_int(), 503);
}

// Sets this process's soft descriptor limit for the life of the object.
class ScopedDescriptorLimit {
 public:
  explicit ScopedDescriptorLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    ok_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~ScopedDescriptorLimit() { Restore(); }
  void Restore() {
    if (ok_) setrlimit(RLIMIT_NOFILE, &saved_);
    ok_ = false;
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

// The lowest descriptor number not in use: with the soft limit set to it,
// every descriptor below the limit is taken and no new one can be made.
int LowestFreeDescriptor() {
  std::vector<bool> used;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  const int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == own) continue;
    if (static_cast<size_t>(fd) >= used.size()) used.resize(fd + 1);
    used[fd] = true;
  }
  closedir(dir);
  int fd = 0;
  while (static_cast<size_t>(fd) < used.size() && used[fd]) ++fd;
  return fd;
}

// Regression: with descriptors exhausted, accept() failed with EMFILE and
// the acceptor retried at once, forever, at a full core.
TEST(HttpServer, AcceptBacksOffWhileOutOfDescriptorsAndRecovers) {
  HttpLimits limits;
  limits.io_threads = 1;
  auto server = Start(limits);
  const int port = server->port();
  // Client sockets made while descriptors remain; they connect after.
  net::io_context io;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(io);
    clients.back().open(tcp::v4());
  }
  const int free_fd = LowestFreeDescriptor();
  ASSERT_GT(free_fd, 0);
  ScopedDescriptorLimit exhausted(static_cast<rlim_t>(free_fd));
  ASSERT_TRUE(exhausted.ok());
  for (tcp::socket& client : clients) {
    // Completes in the kernel's backlog; accept() is what fails.
    client.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(port)));
  }
  ASSERT_TRUE(Eventually([&] { return server->accept_failures() > 0; }));
  const uint64_t before = server->accept_failures();
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const uint64_t failures = server->accept_failures() - before;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // Pauses of 10 ms doubling to 1 s allow at most 8 attempts in the first
  // second and one a second after that, however slow the machine (a slow
  // one only makes fewer). Spinning made hundreds of thousands.
  EXPECT_LE(failures, 10 + 2 * seconds) << "in " << seconds << " s";
  exhausted.Restore();
  // Descriptors again: every waiting connection is served.
  for (tcp::socket& client : clients) {
    net::write(client, net::buffer(Get("/back")));
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    beast::error_code error;
    http::read(client, buffer, response, error);
    ASSERT_FALSE(error) << error.message();
    EXPECT_EQ(response.result_int(), 200);
  }
  const uint64_t after_recovery = server->accept_failures();
  Client late(port);
  late.Write(Get("/late"));
  EXPECT_EQ(late.Read().result_int(), 200);
  EXPECT_EQ(server->accept_failures(), after_recovery);
}

TEST(RaiseDescriptorLimit, RaisesTheSoftLimitUpToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max != RLIM_INFINITY && original.rlim_max < 300) {
    GTEST_SKIP() << "hard limit too low to test: " << original.rlim_max;
  }
  {
    ScopedDescriptorLimit low(256);
    ASSERT_TRUE(low.ok());
    auto raised = RaiseDescriptorLimit(280);
    ASSERT_TRUE(raised.ok()) << raised.status();
    EXPECT_EQ(raised->soft, 280u);
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    EXPECT_EQ(now.rlim_cur, 280u);
    // Never lowered.
    auto same = RaiseDescriptorLimit(100);
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->soft, 280u);
    // Capped by the hard limit, which a warning then reports.
    if (original.rlim_max != RLIM_INFINITY) {
      auto capped = RaiseDescriptorLimit(uint64_t{original.rlim_max} + 1000);
      ASSERT_TRUE(capped.ok());
      EXPECT_EQ(capped->soft, uint64_t{original.rlim_max});
      EXPECT_LT(capped->soft, uint64_t{original.rlim_max} + 1000);
    }
  }
  rlimit restored{};
  getrlimit(RLIMIT_NOFILE, &restored);
  EXPECT_EQ(restored.rlim_cur, original.rlim_cur);
}

}  // namespace
}  // namespace latchkey::service::gateway
