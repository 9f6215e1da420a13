#include "service/gateway/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "service/runtime/json_log.h"

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

// Pauses between accept() attempts while they fail for want of
// descriptors or memory: retrying at once would spin a core and free
// nothing.
constexpr std::chrono::milliseconds kFirstAcceptBackoff{10};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{1000};

// Errors of one pending connection, not of the server (Linux's accept(2)
// reports a connection's network errors this way): the next may succeed.
bool IsConnectionError(const beast::error_code& error) {
  if (error.category() != boost::system::system_category()) return false;
  switch (error.value()) {
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case EINTR:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

// The key per-address connection counts use: an IPv4 client seen through
// an IPv6 socket (::ffff:a.b.c.d) is that IPv4 client.
std::string CanonicalAddress(const net::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

// How much of a cut-short request is read and thrown away after an early
// answer (see HttpLimits::drain_max_bytes).
struct DrainBounds {
  size_t bytes;
  absl::Duration time;
};
constexpr size_t kDrainChunk = 16 * 1024;

}  // namespace

// Owns the I/O context and the acceptor. Sessions and pending handlers
// point back at it with a raw pointer: it outlives them, because its
// destructor joins the I/O threads and then destroys the io_context (and
// with it every pending handler and the sessions they hold) while all other
// members are still alive.
class HttpServer::Impl {
 public:
  // What Impl asks of a connection, whatever its stream (plain or TLS).
  class Session : public std::enable_shared_from_this<Session> {
   public:
    virtual ~Session() = default;
    virtual void Start() = 0;
    // Called by Shutdown: close now if waiting for a request; otherwise the
    // response in progress goes out with "Connection: close".
    virtual void CloseIfIdle() = 0;
    virtual void ForceClose() = 0;
    // For Shutdown once the I/O threads have stopped: nothing else runs, so
    // the socket is closed here and now (a ForceClose still queued when the
    // io_context stopped would never run, and the peer would wait forever).
    virtual void CloseAfterStop() = 0;
  };
  template <typename Stream>
  class SessionOn;

  Impl(HttpLimits limits, Handler handler, LimitResponder limit_responder)
      : limits_(limits),
        handler_(std::move(handler)),
        limit_responder_(std::move(limit_responder)),
        io_(std::make_unique<net::io_context>()),
        acceptor_(std::make_unique<tcp::acceptor>(net::make_strand(*io_))),
        accept_retry_(
            std::make_unique<net::steady_timer>(acceptor_->get_executor())),
        tls_refresh_(
            std::make_unique<net::steady_timer>(net::make_strand(*io_))) {}

  ~Impl() {
    Shutdown(absl::ZeroDuration());
    tls_refresh_.reset();
    accept_retry_.reset();
    acceptor_.reset();
    io_.reset();
  }

  // Loads the certificate and key; from then on connections speak TLS.
  absl::Status EnableTls(HttpTls tls);
  // The context new connections use; null without TLS.
  std::shared_ptr<net::ssl::context> tls_context() {
    std::lock_guard<std::mutex> lock(tls_mutex_);
    return tls_context_;
  }

  absl::Status Listen(absl::string_view address);
  void Run();
  void Shutdown(absl::Duration grace);

  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  int connections_from(absl::string_view address) const;
  uint64_t accept_failures() const { return accept_failures_.load(); }

  void Forget(Session* session);

  bool closing() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closing_;
  }

 private:
  void Accept();
  void OnAccept(beast::error_code error, tcp::socket socket);
  void BackOff(const beast::error_code& error);
  // Counts a connection from `address` unless that address is at its cap.
  bool CountAddress(const std::string& address);
  void ReleaseAddress(const std::string& address);

  friend class Session;
  const HttpLimits limits_;
  const Handler handler_;
  const LimitResponder limit_responder_;
  std::unique_ptr<net::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  // Waits out a pause before the next accept(); on the acceptor's strand,
  // like accept_backoff_ and accept_episode_failures_.
  std::unique_ptr<net::steady_timer> accept_retry_;
  std::chrono::milliseconds accept_backoff_{0};  // 0: accepting normally
  uint64_t accept_episode_failures_ = 0;
  std::atomic<uint64_t> accept_failures_{0};
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<int> connections_{0};

  // Open connections per peer address, for max_connections_per_address;
  // an address leaves the map when its last connection closes.
  mutable std::mutex addresses_mutex_;
  std::unordered_map<std::string, int> connections_by_address_;

  std::mutex mutex_;
  std::condition_variable drained_;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>>
      sessions_;
  bool closing_ = false;
  bool stopped_ = false;

  // TLS: the files, what was last loaded from them, and the context built
  // from it. Re-read every tls_.refresh on tls_refresh_; a changed pair
  // that loads replaces the context for new connections (open ones keep
  // theirs), one that does not is logged and the old one stays.
  void RefreshTls();
  void ScheduleTlsRefresh();
  // Keeps the I/O threads running while no operation is pending: during a
  // shutdown the acceptor is closed, and a request being handled on a
  // worker has nothing pending until its answer is dispatched; without the
  // guard the threads would return and the answer would never be written.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<HttpTls> tls_;
  std::unique_ptr<net::steady_timer> tls_refresh_;
  std::string tls_cert_pem_;
  std::string tls_key_pem_;
  std::string tls_failed_cert_pem_;
  std::string tls_failed_key_pem_;
  std::mutex tls_mutex_;
  std::shared_ptr<net::ssl::context> tls_context_;
};

namespace {

bool ReadWholeFile(const std::string& path, std::string& out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream text;
  text << file.rdbuf();
  out = text.str();
  return true;
}

// A server context for this chain and key: TLS 1.2 and later only.
absl::StatusOr<std::shared_ptr<net::ssl::context>> MakeTlsContext(
    const std::string& cert_pem, const std::string& key_pem) {
  auto context =
      std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  beast::error_code error;
  context->set_options(
      net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
          net::ssl::context::no_tlsv1_1,
      error);
  if (!error) {
    context->use_certificate_chain(net::buffer(cert_pem), error);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the certificate chain does not load: ", error.message()));
    }
  }
  if (!error) {
    context->use_private_key(net::buffer(key_pem), net::ssl::context::pem,
                             error);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the private key does not load or does not match the certificate: ",
          error.message()));
    }
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS setup failed: ", error.message()));
  }
  return context;
}

}  // namespace

absl::Status HttpServer::Impl::EnableTls(HttpTls tls) {
  std::string cert_pem;
  std::string key_pem;
  if (!ReadWholeFile(tls.cert_file, cert_pem)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the TLS certificate ", tls.cert_file));
  }
  if (!ReadWholeFile(tls.key_file, key_pem)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the TLS key ", tls.key_file));
  }
  absl::StatusOr<std::shared_ptr<net::ssl::context>> context =
      MakeTlsContext(cert_pem, key_pem);
  if (!context.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(tls.cert_file, ": ", context.status().message()));
  }
  tls_ = std::move(tls);
  tls_cert_pem_ = std::move(cert_pem);
  tls_key_pem_ = std::move(key_pem);
  std::lock_guard<std::mutex> lock(tls_mutex_);
  tls_context_ = *std::move(context);
  return absl::OkStatus();
}

void HttpServer::Impl::ScheduleTlsRefresh() {
  if (!tls_.has_value()) return;
  tls_refresh_->expires_after(ToChrono(tls_->refresh));
  tls_refresh_->async_wait([self = this](beast::error_code error) {
    if (error) return;  // cancelled by Shutdown
    self->RefreshTls();
    self->ScheduleTlsRefresh();
  });
}

// Runs on tls_refresh_'s strand, so tls_cert_pem_ and tls_key_pem_ need no
// lock.
void HttpServer::Impl::RefreshTls() {
  std::string cert_pem;
  std::string key_pem;
  if (!ReadWholeFile(tls_->cert_file, cert_pem) ||
      !ReadWholeFile(tls_->key_file, key_pem)) {
    return;  // mid-replacement, perhaps: try again next time
  }
  if (cert_pem == tls_cert_pem_ && key_pem == tls_key_pem_) return;
  absl::StatusOr<std::shared_ptr<net::ssl::context>> context =
      MakeTlsContext(cert_pem, key_pem);
  if (!context.ok()) {
    // A certificate written before its key (or the other way round) does
    // not match for a moment; the next pass picks the pair up. Logged once
    // per content seen.
    if (cert_pem != tls_failed_cert_pem_ || key_pem != tls_failed_key_pem_) {
      LogJson(LogLevel::kWarning,
              "the HTTP listener keeps its TLS certificate: the new files do "
              "not load",
              {{"cert_file", tls_->cert_file},
               {"error", std::string(context.status().message())}});
      tls_failed_cert_pem_ = cert_pem;
      tls_failed_key_pem_ = key_pem;
    }
    return;
  }
  tls_cert_pem_ = std::move(cert_pem);
  tls_key_pem_ = std::move(key_pem);
  {
    std::lock_guard<std::mutex> lock(tls_mutex_);
    tls_context_ = *std::move(context);
  }
  LogJson(LogLevel::kInfo, "the HTTP listener loaded a new TLS certificate",
          {{"cert_file", tls_->cert_file}});
}

template <typename Stream>
class HttpServer::Impl::SessionOn : public HttpServer::Impl::Session {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // `counted_address`: the address this connection was counted against
  // for max_connections_per_address (empty when it was not).
  // `stream_args` construct the stream: the socket, and for TLS the
  // context, which `context` keeps alive.
  template <typename... StreamArgs>
  SessionOn(Impl* server, bool over_limit, std::string client_ip,
            std::string counted_address,
            std::shared_ptr<net::ssl::context> context,
            StreamArgs&&... stream_args)
      : context_(std::move(context)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        read_deadline_(stream_.get_executor()),
        server_(server),
        client_ip_(std::move(client_ip)),
        counted_address_(std::move(counted_address)),
        over_limit_(over_limit) {}

  // Every connection ends here, however it closed: the counts stay exact.
  ~SessionOn() override {
    if (!counted_address_.empty()) server_->ReleaseAddress(counted_address_);
    server_->connections_.fetch_sub(1);
  }

  void Start() override {
    if constexpr (kTls) {
      // The handshake counts against the time to read a request.
      Tcp().expires_after(ToChrono(server_->limits_.request_read_timeout));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = Self()](beast::error_code error) {
                                self->Tcp().expires_never();
                                if (error) return self->Close();
                                self->Begin();
                              });
    } else {
      Begin();
    }
  }

 private:
  void Begin() {
    if (over_limit_) {
      Send(server_->limit_responder_(HttpLimitError::kTooManyConnections),
           /*keep_alive=*/false);
      return;
    }
    ReadHeader();
  }

 public:
  void CloseIfIdle() override {
    net::dispatch(stream_.get_executor(), [self = Self()] {
      if (self->idle_ || self->draining_) self->Close();
    });
  }

  void ForceClose() override {
    net::dispatch(stream_.get_executor(), [self = Self()] { self->Close(); });
  }

  void CloseAfterStop() override { Close(); }

 private:
  std::shared_ptr<SessionOn> Self() {
    return std::static_pointer_cast<SessionOn>(shared_from_this());
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->limits_.max_header_bytes));
    parser_->body_limit(server_->limits_.max_body_bytes);
    ArmReadDeadline(requests_served_ == 0
                        ? server_->limits_.request_read_timeout
                        : server_->limits_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](beast::error_code error, size_t) {
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
      http::async_write(
          stream_, *interim,
          [self = Self(), interim](beast::error_code write_error, size_t) {
            if (write_error) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code error, size_t) {
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
        [self = Self(), generation](beast::error_code error) {
          // Cancelled, or superseded by a newer deadline (a completion
          // already queued when cancel() ran): the read finished in time.
          if (error || generation != self->deadline_generation_) return;
          self->timed_out_ = true;
          beast::error_code ignored;
          self->Tcp().socket().cancel(ignored);
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

  // An early answer: request bytes may still be on their way (the rest of
  // an oversized body, a pipelined request), so the connection drains
  // before it closes.
  void Reject(HttpLimitError why) {
    Send(server_->limit_responder_(why), /*keep_alive=*/false,
         DrainBounds{server_->limits_.drain_max_bytes,
                     server_->limits_.drain_timeout});
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
    auto self = Self();
    server_->handler_(std::move(request), [self](HttpResponse response) {
      net::dispatch(self->stream_.get_executor(),
                    [self, response = std::move(response)]() mutable {
                      const bool keep =
                          response.keep_alive && self->keep_alive_;
                      self->Send(std::move(response), keep);
                    });
    });
  }

  void Send(HttpResponse response, bool keep_alive,
            std::optional<DrainBounds> drain = std::nullopt) {
    {
      std::lock_guard<std::mutex> lock(server_->mutex_);
      if (server_->closing_) keep_alive = false;
    }
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    for (auto& [name, value] : response.headers) {
      // Set-Cookie is the one header that repeats instead of folding.
      if (name == "set-cookie") {
        out->insert(name, value);
      } else {
        out->set(name, value);
      }
    }
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    Tcp().expires_after(ToChrono(server_->limits_.request_read_timeout));
    http::async_write(stream_, *out,
                      [self = Self(), out, keep_alive, drain](
                          beast::error_code error, size_t) {
                        // The expiry bounded this write only; left armed it
                        // would cut the next read short.
                        self->Tcp().expires_never();
                        ++self->requests_served_;
                        if (error) return self->Close();
                        if (!keep_alive && drain.has_value()) {
                          return self->Drain(*drain);
                        }
                        if (!keep_alive) return self->Close();
                        // Shutdown began while this response was going out
                        // (its CloseIfIdle found the session busy).
                        if (self->server_->closing()) return self->Close();
                        self->ReadHeader();
                      });
  }

  // Closing with unread input makes the kernel send a reset, which can
  // destroy the answer before the client reads it. So: end our side (the
  // client sees the answer is complete, and a polite one stops sending
  // and closes), then read and discard what still comes, within `bounds`,
  // and only then close.
  void Drain(DrainBounds bounds) {
    draining_ = true;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (server_->closing()) return Close();
    const size_t buffered = buffer_.size();
    buffer_.consume(buffered);
    drain_left_ = bounds.bytes > buffered ? bounds.bytes - buffered : 0;
    drain_chunk_ = std::make_unique<char[]>(kDrainChunk);
    // On expiry tcp_stream closes the socket and the read below fails.
    Tcp().expires_after(ToChrono(bounds.time));
    DrainSome();
  }

  void DrainSome() {
    if (closed_) return;  // by Shutdown, while a read completed
    if (drain_left_ == 0) return Close();
    stream_.async_read_some(
        net::buffer(drain_chunk_.get(), std::min(kDrainChunk, drain_left_)),
        [self = Self()](beast::error_code error, size_t n) {
          // End of stream (the client is done), the time bound, a reset.
          if (error) return self->Close();
          self->drain_left_ -= std::min(n, self->drain_left_);
          self->DrainSome();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ++deadline_generation_;
    read_deadline_.cancel();
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
    server_->Forget(this);
  }

  const std::shared_ptr<net::ssl::context> context_;
  Stream stream_;
  net::steady_timer read_deadline_;
  bool timed_out_ = false;
  uint64_t deadline_generation_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Impl* const server_;
  const std::string client_ip_;
  const std::string counted_address_;
  const bool over_limit_;
  bool draining_ = false;
  size_t drain_left_ = 0;
  std::unique_ptr<char[]> drain_chunk_;
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
  work_.emplace(io_->get_executor());
  Accept();
  ScheduleTlsRefresh();
  for (int i = 0; i < limits_.io_threads; ++i) {
    threads_.emplace_back([this] { io_->run(); });
  }
}

void HttpServer::Impl::Accept() {
  acceptor_->async_accept(
      net::make_strand(*io_),
      [self = this](beast::error_code error, tcp::socket socket) {
        self->OnAccept(error, std::move(socket));
      });
}

// Runs on the acceptor's strand.
void HttpServer::Impl::OnAccept(beast::error_code error, tcp::socket socket) {
  // Shutdown closed the acceptor.
  if (error == net::error::operation_aborted || !acceptor_->is_open()) return;
  if (error) {
    accept_failures_.fetch_add(1);
    if (IsConnectionError(error)) return Accept();
    return BackOff(error);
  }
  if (accept_backoff_.count() != 0) {
    LogJson(LogLevel::kInfo, "the HTTP server accepts connections again",
            {{"failed_accepts", accept_episode_failures_}});
    accept_backoff_ = std::chrono::milliseconds(0);
    accept_episode_failures_ = 0;
  }
  beast::error_code peer_error;
  const tcp::endpoint peer = socket.remote_endpoint(peer_error);
  std::string client_ip;
  std::string address;
  if (!peer_error) {
    client_ip = peer.address().to_string();
    address = CanonicalAddress(peer.address());
  }
  bool over_limit = connections_.fetch_add(1) >= limits_.max_connections;
  // A trusted proxy speaks for many clients and is not capped by its own
  // address; the peer may also have gone already (no address to count).
  std::string counted_address;
  if (limits_.max_connections_per_address > 0 && !address.empty() &&
      !limits_.uncapped_peers.Contains(address)) {
    if (CountAddress(address)) {
      counted_address = std::move(address);
    } else {
      over_limit = true;
    }
  }
  std::shared_ptr<Session> session;
  if (std::shared_ptr<net::ssl::context> context = tls_context();
      context != nullptr) {
    net::ssl::context& raw = *context;
    session = std::make_shared<SessionOn<beast::ssl_stream<beast::tcp_stream>>>(
        this, over_limit, std::move(client_ip), std::move(counted_address),
        std::move(context), std::move(socket), raw);
  } else {
    session = std::make_shared<SessionOn<beast::tcp_stream>>(
        this, over_limit, std::move(client_ip), std::move(counted_address),
        nullptr, std::move(socket));
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) {
      // Session's destructor releases the slots.
      return;
    }
    sessions_.insert(session);
  }
  session->Start();
  Accept();
}

// Out of descriptors (EMFILE, ENFILE), buffers or memory, or an error not
// known to be one connection's: the listening socket stays readable, so
// an immediate retry would fail the same way in a tight loop. Waits 10 ms,
// doubling up to 1 s, until an accept succeeds; logs once per episode.
void HttpServer::Impl::BackOff(const beast::error_code& error) {
  ++accept_episode_failures_;
  if (accept_backoff_.count() == 0) {
    accept_backoff_ = kFirstAcceptBackoff;
    nlohmann::json fields = {{"error", error.message()},
                             {"open_connections", connections_.load()}};
    if (error == net::error::no_descriptors ||
        (error.category() == boost::system::system_category() &&
         error.value() == ENFILE)) {
      fields["hint"] =
          "out of file descriptors: raise the limit (ulimit -n) or lower "
          "--http_max_connections";
    }
    LogJson(LogLevel::kWarning,
            "the HTTP server cannot accept connections; retrying after a "
            "pause that grows to 1 s",
            std::move(fields));
  } else {
    accept_backoff_ = std::min(accept_backoff_ * 2, kMaxAcceptBackoff);
  }
  accept_retry_->expires_after(accept_backoff_);
  accept_retry_->async_wait([self = this](beast::error_code wait_error) {
    if (wait_error || !self->acceptor_->is_open()) return;
    self->Accept();
  });
}

bool HttpServer::Impl::CountAddress(const std::string& address) {
  std::lock_guard<std::mutex> lock(addresses_mutex_);
  auto [it, inserted] = connections_by_address_.try_emplace(address, 0);
  if (it->second >= limits_.max_connections_per_address) return false;
  ++it->second;
  return true;
}

void HttpServer::Impl::ReleaseAddress(const std::string& address) {
  std::lock_guard<std::mutex> lock(addresses_mutex_);
  auto it = connections_by_address_.find(address);
  if (it == connections_by_address_.end()) return;
  if (--it->second <= 0) connections_by_address_.erase(it);
}

int HttpServer::Impl::connections_from(absl::string_view address) const {
  beast::error_code error;
  const net::ip::address parsed =
      net::ip::make_address(std::string(address), error);
  if (error) return 0;
  std::lock_guard<std::mutex> lock(addresses_mutex_);
  auto it = connections_by_address_.find(CanonicalAddress(parsed));
  return it == connections_by_address_.end() ? 0 : it->second;
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
    self->accept_retry_->cancel();
  });
  net::post(tls_refresh_->get_executor(),
            [self = this] { self->tls_refresh_->cancel(); });
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
  work_.reset();
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
    LimitResponder limit_responder, std::optional<HttpTls> tls) {
  auto impl = std::make_unique<Impl>(limits, std::move(handler),
                                     std::move(limit_responder));
  if (tls.has_value()) {
    if (absl::Status status = impl->EnableTls(*std::move(tls)); !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = impl->Listen(address); !status.ok()) return status;
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_ ? impl_->port() : 0; }
int HttpServer::active_connections() const {
  return impl_ ? impl_->connections() : 0;
}
int HttpServer::active_connections_from(absl::string_view address) const {
  return impl_ ? impl_->connections_from(address) : 0;
}
uint64_t HttpServer::accept_failures() const {
  return impl_ ? impl_->accept_failures() : 0;
}
void HttpServer::Shutdown(absl::Duration grace) {
  if (impl_) impl_->Shutdown(grace);
}

absl::StatusOr<DescriptorLimit> RaiseDescriptorLimit(uint64_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot read the descriptor limit: ", std::strerror(errno)));
  }
  if (limit.rlim_cur < needed) {
    rlimit raised = limit;
    raised.rlim_cur = std::min<rlim_t>(limit.rlim_max, needed);
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return absl::InternalError(absl::StrCat(
          "cannot raise the descriptor limit: ", std::strerror(errno)));
    }
    limit = raised;
  }
  return DescriptorLimit{static_cast<uint64_t>(limit.rlim_cur),
                         static_cast<uint64_t>(limit.rlim_max)};
}

}  // namespace latchkey::service::gateway
