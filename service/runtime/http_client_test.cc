#include "service/runtime/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace latchkey::service {
namespace {

// A one-connection HTTP server on an ephemeral loopback port: reads one
// request (headers plus a Content-Length body) and writes `reply` verbatim,
// or nothing when `reply` is empty (then it holds the connection until the
// client closes it).
class OneShotServer {
 public:
  // `read_request` false: answers at once, without reading (for a client
  // that speaks TLS, whose hello never ends the way HTTP headers do).
  explicit OneShotServer(std::string reply, bool read_request = true)
      : reply_(std::move(reply)), read_request_(read_request) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 1);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    Wait();
    close(listener_);
  }

  // Waits for the exchange to end and returns what the client sent.
  std::string Wait() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

  std::string url(absl::string_view path = "/") const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  void Serve() {
    const int connection = accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    char buffer[4096];
    size_t expected = std::string::npos;
    while (read_request_) {
      const ssize_t n = read(connection, buffer, sizeof(buffer));
      if (n <= 0) break;
      received_.append(buffer, static_cast<size_t>(n));
      const size_t end = received_.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (expected == std::string::npos) {
        size_t length = 0;
        const size_t at = received_.find("Content-Length: ");
        if (at != std::string::npos && at < end) {
          length = std::stoul(received_.substr(at + 16));
        }
        expected = end + 4 + length;
      }
      if (received_.size() >= expected) break;
    }
    if (!reply_.empty()) {
      (void)!write(connection, reply_.data(), reply_.size());
    } else {
      // Wait for the client to give up.
      while (read(connection, buffer, sizeof(buffer)) > 0) {
      }
    }
    close(connection);
  }

  std::string reply_;
  bool read_request_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string received_;
};

CurlHttpClientOptions LoopbackOptions() {
  CurlHttpClientOptions options;
  options.allow_loopback_http = true;
  return options;
}

constexpr char kEmptyOk[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

TEST(HttpClientTest, SendsTheRequestAndReadsTheAnswer) {
  OneShotServer server(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
      "X-Extra: one\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
      "{\"ok\":true}");
  CurlHttpClient client(LoopbackOptions());
  OutboundRequest request;
  request.method = "POST";
  request.url = server.url("/token?x=1");
  request.headers = {{"content-type", "application/x-www-form-urlencoded"},
                     {"authorization", "Basic abc"}};
  request.body = "grant_type=authorization_code&code=xyz";
  absl::StatusOr<OutboundResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  EXPECT_EQ(response->Header("x-extra"), "one");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("missing"), std::nullopt);

  const std::string seen = server.Wait();
  EXPECT_TRUE(absl::StartsWith(seen, "POST /token?x=1 HTTP/1.1\r\n")) << seen;
  EXPECT_TRUE(absl::StrContains(seen, "authorization: Basic abc\r\n")) << seen;
  EXPECT_TRUE(
      absl::EndsWith(seen, "\r\n\r\ngrant_type=authorization_code&code=xyz"))
      << seen;
}

TEST(HttpClientTest, GetSendsNoBodyAndAnErrorStatusIsStillAnAnswer) {
  OneShotServer server(
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 25\r\n"
      "Connection: close\r\n\r\n{\"error\":\"invalid_grant\"}");
  CurlHttpClient client(LoopbackOptions());
  absl::StatusOr<OutboundResponse> response =
      client.Send({.method = "GET", .url = server.url("/userinfo")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "{\"error\":\"invalid_grant\"}");
  EXPECT_TRUE(absl::StartsWith(server.Wait(), "GET /userinfo HTTP/1.1\r\n"));
}

TEST(HttpClientTest, DoesNotFollowRedirects) {
  OneShotServer server(
      "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
      "Content-Length: 0\r\nConnection: close\r\n\r\n");
  CurlHttpClient client(LoopbackOptions());
  absl::StatusOr<OutboundResponse> response =
      client.Send({.url = server.url("/")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->Header("location"), "http://127.0.0.1:1/elsewhere");
}

TEST(HttpClientTest, RefusesABodyOverTheLimit) {
  const std::string body(2048, 'x');
  OneShotServer server(
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(),
                   "\r\nConnection: close\r\n\r\n", body));
  CurlHttpClientOptions options = LoopbackOptions();
  options.max_response_bytes = 1024;
  CurlHttpClient client(options);
  absl::StatusOr<OutboundResponse> response =
      client.Send({.url = server.url("/")});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted)
      << response.status();
}

TEST(HttpClientTest, RefusesAChunkedBodyOverTheLimit) {
  // No Content-Length: the limit must hold while reading, not only up front.
  std::string reply =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  for (int i = 0; i < 4; ++i)
    absl::StrAppend(&reply, "200\r\n", std::string(512, 'y'), "\r\n");
  absl::StrAppend(&reply, "0\r\n\r\n");
  OneShotServer server(reply);
  CurlHttpClientOptions options = LoopbackOptions();
  options.max_response_bytes = 1024;
  CurlHttpClient client(options);
  EXPECT_EQ(client.Send({.url = server.url("/")}).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(HttpClientTest, TimesOutOnASilentServer) {
  OneShotServer server("");
  CurlHttpClientOptions options = LoopbackOptions();
  options.total_timeout = absl::Milliseconds(300);
  CurlHttpClient client(options);
  EXPECT_EQ(client.Send({.url = server.url("/")}).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(HttpClientTest, LoopbackHttpOnlyWhenAllowed) {
  CurlHttpClient strict{CurlHttpClientOptions()};
  // Refused before any connection is attempted (nothing listens on 1).
  EXPECT_EQ(strict.Send({.url = "http://127.0.0.1:1/"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsAllowedOutboundUrl("http://127.0.0.1:1/", false));
  EXPECT_TRUE(IsAllowedOutboundUrl("http://127.0.0.1:1/", true));
  EXPECT_TRUE(IsAllowedOutboundUrl("http://localhost:8114/x", true));
  EXPECT_TRUE(IsAllowedOutboundUrl("http://[::1]:8114/x", true));
  EXPECT_TRUE(IsAllowedOutboundUrl("https://accounts.example.com/", false));
  // Plain http elsewhere, other schemes and junk: never.
  EXPECT_FALSE(IsAllowedOutboundUrl("http://example.com/", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("http://127.0.0.1.example.com/", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("http://localhost.example.com/", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("ftp://127.0.0.1/", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("file:///etc/passwd", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("not a url", true));
  EXPECT_FALSE(IsAllowedOutboundUrl("", true));
}

sockaddr_storage Address(const char* text) {
  sockaddr_storage storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    ADD_FAILURE() << "not an address: " << text;
  }
  return storage;
}

bool Public(const char* text) {
  const sockaddr_storage storage = Address(text);
  return IsPublicAddress(reinterpret_cast<const sockaddr*>(&storage));
}

TEST(HttpClientTest, OnlyPublicAddressesArePublic) {
  for (const char* address :
       {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
        "::ffff:8.8.8.8", "2002:808:808::1"}) {
    EXPECT_TRUE(Public(address)) << address;
  }
  for (const char* address : {"0.0.0.0",
                              "10.1.2.3",
                              "100.64.0.1",
                              "127.0.0.1",
                              "127.255.0.9",
                              "169.254.169.254",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.0.0.8",
                              "192.168.1.1",
                              "198.18.0.1",
                              "224.0.0.1",
                              "255.255.255.255",
                              "::",
                              "::1",
                              "fe80::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "ff02::1",
                              "2001:db8::1",
                              "::ffff:10.0.0.1",
                              "::ffff:127.0.0.1",
                              "64:ff9b::a9fe:a9fe",
                              "2002:a00:1::1"}) {
    EXPECT_FALSE(Public(address)) << address;
  }
  const sockaddr_storage mapped = Address("::ffff:127.0.0.1");
  EXPECT_TRUE(IsLoopbackAddress(reinterpret_cast<const sockaddr*>(&mapped)));
  const sockaddr_storage ten = Address("10.0.0.1");
  EXPECT_FALSE(IsLoopbackAddress(reinterpret_cast<const sockaddr*>(&ten)));
}

TEST(HttpClientTest, RefusesToConnectToAddressesThatAreNotPublic) {
  // https passes the URL check; the resolved address is what is refused,
  // before any connection (nothing listens on port 1 either way).
  CurlHttpClient strict{CurlHttpClientOptions()};
  for (const char* url : {"https://127.0.0.1:1/", "https://localhost:1/",
                          "https://[::1]:1/", "https://0x7f000001:1/"}) {
    absl::StatusOr<OutboundResponse> refused = strict.Send({.url = url});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied)
        << url << ": " << refused.status();
    EXPECT_THAT(
        std::string(refused.status().message()),
        ::testing::HasSubstr("LATCHKEY_OUTBOUND_ALLOW_PRIVATE_NETWORKS"))
        << url;
  }
  // Allowed, the same request is attempted (and finds nothing listening).
  CurlHttpClientOptions open;
  open.allow_private_networks = true;
  CurlHttpClient permissive(open);
  EXPECT_EQ(permissive.Send({.url = "https://127.0.0.1:1/"}).status().code(),
            absl::StatusCode::kUnavailable);
  // Tests that allow loopback http reach loopback over https too.
  EXPECT_EQ(CurlHttpClient(LoopbackOptions())
                .Send({.url = "https://127.0.0.1:1/"})
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

TEST(HttpClientTest, HttpsIsVerified) {
  // A TLS handshake against a server that speaks plain HTTP fails; what
  // matters is that the failure is an error, not an answer.
  OneShotServer server(kEmptyOk, /*read_request=*/false);
  CurlHttpClient client(LoopbackOptions());
  const std::string https = absl::StrCat("https", server.url("/").substr(4));
  EXPECT_EQ(client.Send({.url = https}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(HttpClientTest, RefusesHeaderInjection) {
  CurlHttpClient client(LoopbackOptions());
  OutboundRequest request{.url = "http://127.0.0.1:1/"};
  request.headers = {{"x-a", "one\r\nx-b: two"}};
  EXPECT_EQ(client.Send(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UrlEncodeComponentTest, KeepsUnreservedAndEncodesEveryOtherByte) {
  EXPECT_EQ(UrlEncodeComponent("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(UrlEncodeComponent("a b+c&d=e/f?"), "a%20b%2Bc%26d%3De%2Ff%3F");
  EXPECT_EQ(UrlEncodeComponent(std::string("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(UrlEncodeComponent(""), "");
}

}  // namespace
}  // namespace latchkey::service
