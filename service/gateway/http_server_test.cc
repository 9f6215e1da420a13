// The HTTP server over real sockets: keep-alive, pipelining, limits, slow
// clients, overload and shutdown.
#include "service/gateway/http_server.h"

#include <atomic>
#include <thread>

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
    case HttpLimitError::kBodyTooLarge: response.status = 413; break;
    case HttpLimitError::kHeadersTooLarge: response.status = 431; break;
    case HttpLimitError::kUrlTooLong: response.status = 414; break;
    case HttpLimitError::kTooManyConnections: response.status = 503; break;
    case HttpLimitError::kMalformed: response.status = 400; break;
    case HttpLimitError::kTimeout: response.status = 408; break;
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
        response.body = absl::StrCat(request.method, " ", request.target, " ",
                                     request.body, " ",
                                     request.Header("x-test"));
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

  void Write(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

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
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n", extra, "\r\n");
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
  client.Write(Get("/a") + Get("/async") + "POST /c HTTP/1.1\r\nHost: x\r\n"
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
  client.Write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
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
  client.Write("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 413);
}

TEST(HttpServer, OversizedHeadersAre431) {
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  auto server = Start(limits);
  Client client(server->port());
  client.Write(Get("/x", absl::StrCat("X-Big: ", std::string(2000, 'a'), "\r\n")));
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
  client.Write("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
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
  EXPECT_EQ(HttpServer::Start("nonsense", {}, respond, LimitAnswer)
                .status()
                .code(),
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
