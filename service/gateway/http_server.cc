#include "service/gateway/http_server.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace latchkey::service::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

absl::string_view HttpRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

namespace {

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

}  // namespace

// Owns the I/O context and the acceptor. Sessions and pending handlers
// point back at it with a raw pointer: it outlives them, because its
// destructor joins the I/O threads and then destroys the io_context (and
// with it every pending handler and the sessions they hold) while all other
// members are still alive.
class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpLimits limits, Handler handler, LimitResponder limit_responder)
      : limits_(limits),
        handler_(std::move(handler)),
        limit_responder_(std::move(limit_responder)),
        io_(std::make_unique<net::io_context>()),
        acceptor_(std::make_unique<tcp::acceptor>(net::make_strand(*io_))) {}

  ~Impl() {
    Shutdown(absl::ZeroDuration());
    acceptor_.reset();
    io_.reset();
  }

  absl::Status Listen(absl::string_view address);
  void Run();
  void Shutdown(absl::Duration grace);

  int port() const { return port_; }
  int connections() const { return connections_.load(); }

  void Forget(Session* session);

  bool closing() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closing_;
  }

 private:
  void Accept();

  friend class Session;
  const HttpLimits limits_;
  const Handler handler_;
  const LimitResponder limit_responder_;
  std::unique_ptr<net::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<int> connections_{0};

  std::mutex mutex_;
  std::condition_variable drained_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>>
      sessions_;
  bool closing_ = false;
  bool stopped_ = false;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl* server, bool over_limit)
      : stream_(std::move(socket)),
        read_deadline_(stream_.get_executor()),
        server_(server),
        over_limit_(over_limit) {
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    client_ip_ = ignored ? "" : endpoint.address().to_string();
  }

  ~Session() { server_->connections_.fetch_sub(1); }

  void Start() {
    if (over_limit_) {
      Send(server_->limit_responder_(HttpLimitError::kTooManyConnections),
           /*keep_alive=*/false);
      return;
    }
    ReadHeader();
  }

  // Called by Shutdown: close now if waiting for a request; otherwise the
  // response in progress goes out with "Connection: close".
  void CloseIfIdle() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) self->Close();
    });
  }

  void ForceClose() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->Close(); });
  }

  // For Shutdown once the I/O threads have stopped: nothing else runs, so
  // the socket is closed here and now (a ForceClose still queued when the
  // io_context stopped would never run, and the peer would wait forever).
  void CloseAfterStop() { Close(); }

 private:
  void ReadHeader() {
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->limits_.max_header_bytes));
    parser_->body_limit(server_->limits_.max_body_bytes);
    ArmReadDeadline(requests_served_ == 0
                        ? server_->limits_.request_read_timeout
                        : server_->limits_.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->OnHeader(error);
        });
  }

  void OnHeader(beast::error_code error) {
    idle_ = false;
    if (error) return OnReadError(error);
    ++deadline_generation_;
    read_deadline_.cancel();
    const auto& request = parser_->get();
    if (request.target().size() > server_->limits_.max_url_bytes) {
      return Reject(HttpLimitError::kUrlTooLong);
    }
    int count = 0;
    for (auto it = request.begin(); it != request.end(); ++it) ++count;
    if (count > server_->limits_.max_header_count) {
      return Reject(HttpLimitError::kHeadersTooLarge);
    }
    if (auto length = parser_->content_length();
        length.has_value() && *length > server_->limits_.max_body_bytes) {
      return Reject(HttpLimitError::kBodyTooLarge);
    }
    ArmReadDeadline(server_->limits_.request_read_timeout);
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      auto interim = std::make_shared<http::response<http::empty_body>>(
          http::status::continue_, request.version());
      http::async_write(stream_, *interim,
                        [self = shared_from_this(), interim](
                            beast::error_code write_error, size_t) {
                          if (write_error) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          if (error) return self->OnReadError(error);
          self->Dispatch();
        });
  }

  // Reads are bounded by our own timer rather than tcp_stream's expiry,
  // which would close the socket and leave no way to answer 408.
  void ArmReadDeadline(absl::Duration timeout) {
    timed_out_ = false;
    const uint64_t generation = ++deadline_generation_;
    read_deadline_.expires_after(ToChrono(timeout));
    read_deadline_.async_wait(
        [self = shared_from_this(), generation](beast::error_code error) {
          // Cancelled, or superseded by a newer deadline (a completion
          // already queued when cancel() ran): the read finished in time.
          if (error || generation != self->deadline_generation_) return;
          self->timed_out_ = true;
          beast::error_code ignored;
          self->stream_.socket().cancel(ignored);
        });
  }

  void OnReadError(beast::error_code error) {
    read_deadline_.cancel();
    if (timed_out_) {
      // Only a request that had begun deserves an answer.
      if (parser_->got_some()) return Reject(HttpLimitError::kTimeout);
      return Close();
    }
    if (error == http::error::end_of_stream ||
        error == net::error::connection_reset || error == net::error::eof ||
        error == net::error::operation_aborted) {
      return Close();
    }
    if (error == http::error::header_limit) {
      return Reject(HttpLimitError::kHeadersTooLarge);
    }
    if (error == http::error::body_limit) {
      return Reject(HttpLimitError::kBodyTooLarge);
    }
    return Reject(HttpLimitError::kMalformed);
  }

  void Reject(HttpLimitError why) {
    Send(server_->limit_responder_(why), /*keep_alive=*/false);
  }

  void Dispatch() {
    ++deadline_generation_;
    read_deadline_.cancel();
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      const auto name = field.name_string();
      request.headers.emplace_back(
          absl::AsciiStrToLower(absl::string_view(name.data(), name.size())),
          std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.client_ip = client_ip_;
    auto self = shared_from_this();
    server_->handler_(std::move(request), [self](HttpResponse response) {
      net::dispatch(self->stream_.get_executor(),
                    [self, response = std::move(response)]() mutable {
                      const bool keep =
                          response.keep_alive && self->keep_alive_;
                      self->Send(std::move(response), keep);
                    });
    });
  }

  void Send(HttpResponse response, bool keep_alive) {
    {
      std::lock_guard<std::mutex> lock(server_->mutex_);
      if (server_->closing_) keep_alive = false;
    }
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    stream_.expires_after(ToChrono(server_->limits_.request_read_timeout));
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out, keep_alive](
                          beast::error_code error, size_t) {
                        // The expiry bounded this write only; left armed it
                        // would cut the next read short.
                        self->stream_.expires_never();
                        ++self->requests_served_;
                        if (error || !keep_alive) return self->Close();
                        // Shutdown began while this response was going out
                        // (its CloseIfIdle found the session busy).
                        if (self->server_->closing()) return self->Close();
                        self->ReadHeader();
                      });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ++deadline_generation_;
    read_deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    server_->Forget(this);
  }

  beast::tcp_stream stream_;
  net::steady_timer read_deadline_;
  bool timed_out_ = false;
  uint64_t deadline_generation_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Impl* const server_;
  std::string client_ip_;
  const bool over_limit_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool idle_ = true;
  bool closed_ = false;
  int requests_served_ = 0;
};

absl::Status HttpServer::Impl::Listen(absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP address \"", address, "\" is not HOST:PORT"));
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  beast::error_code error;
  auto ip =
      net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP address \"", address, "\": ", error.message()));
  }
  tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  acceptor_->open(endpoint.protocol(), error);
  if (!error) {
    acceptor_->set_option(net::socket_base::reuse_address(true), error);
  }
  if (!error) acceptor_->bind(endpoint, error);
  if (!error) {
    acceptor_->listen(net::socket_base::max_listen_connections, error);
  }
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ",
                                               address, ": ", error.message()));
  }
  port_ = acceptor_->local_endpoint().port();
  return absl::OkStatus();
}

void HttpServer::Impl::Run() {
  Accept();
  for (int i = 0; i < limits_.io_threads; ++i) {
    threads_.emplace_back([this] { io_->run(); });
  }
}

void HttpServer::Impl::Accept() {
  acceptor_->async_accept(
      net::make_strand(*io_),
      [self = this](beast::error_code error, tcp::socket socket) {
        if (error) {
          if (error == net::error::operation_aborted) return;
          return self->Accept();
        }
        const bool over_limit =
            self->connections_.fetch_add(1) >= self->limits_.max_connections;
        auto session =
            std::make_shared<Session>(std::move(socket), self, over_limit);
        {
          std::lock_guard<std::mutex> lock(self->mutex_);
          if (self->closing_) {
            // Session's destructor releases the slot.
            return;
          }
          self->sessions_.insert(session);
        }
        session->Start();
        self->Accept();
      });
}

void HttpServer::Impl::Forget(Session* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (auto live = it->lock(); live == nullptr || live.get() == session) {
      sessions_.erase(it);
      break;
    }
  }
  drained_.notify_all();
}

void HttpServer::Impl::Shutdown(absl::Duration grace) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    closing_ = true;
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  net::post(acceptor_->get_executor(), [self = this] {
    beast::error_code ignored;
    self->acceptor_->close(ignored);
  });
  for (auto& session : live) session->CloseIfIdle();
  live.clear();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    drained_.wait_for(lock, absl::ToChronoNanoseconds(grace), [this] {
      for (const auto& weak : sessions_) {
        if (!weak.expired()) return false;
      }
      return true;
    });
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->ForceClose();
  live.clear();
  io_->stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->CloseAfterStop();
  // Likewise the acceptor: its close, posted above, may not have run before
  // the io_context stopped, and the port would still take connections.
  beast::error_code ignored;
  acceptor_->close(ignored);
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    absl::string_view address, HttpLimits limits, Handler handler,
    LimitResponder limit_responder) {
  auto impl = std::make_unique<Impl>(limits, std::move(handler),
                                     std::move(limit_responder));
  if (absl::Status status = impl->Listen(address); !status.ok()) return status;
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_ ? impl_->port() : 0; }
int HttpServer::active_connections() const {
  return impl_ ? impl_->connections() : 0;
}
void HttpServer::Shutdown(absl::Duration grace) {
  if (impl_) impl_->Shutdown(grace);
}

}  // namespace latchkey::service::gateway
