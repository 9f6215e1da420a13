#include "service/runtime/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/blocking_scope.h"
#include "third_party/system/curl_on_demand.h"

namespace latchkey::service {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlParts {
  std::string scheme;
  std::string host;
};

std::optional<UrlParts> ParseUrl(absl::string_view url) {
  GlobalInit();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(),
                                                             curl_url_cleanup);
  if (handle == nullptr) return std::nullopt;
  const std::string copy(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts parts;
  for (auto [part, out] : {std::pair{CURLUPART_SCHEME, &parts.scheme},
                           std::pair{CURLUPART_HOST, &parts.host}}) {
    char* value = nullptr;
    if (curl_url_get(handle.get(), part, &value, 0) != CURLUE_OK) {
      return std::nullopt;
    }
    *out = absl::AsciiStrToLower(value);
    curl_free(value);
  }
  return parts;
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 as a dotted quad (curl normalises other spellings).
  if (!absl::ConsumePrefix(&host, "127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 2;
}

// A 32-bit IPv4 address in host order against prefix/bits.
bool InV4(uint32_t address, uint32_t prefix, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (address & mask) == (prefix & mask);
}

bool IsPublicV4(uint32_t a) {
  constexpr std::array<std::pair<uint32_t, int>, 14> kNotPublic = {{
      {0x00000000, 8},   // "this network"
      {0x0A000000, 8},   // 10/8 private
      {0x64400000, 10},  // 100.64/10 carrier-grade NAT
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // 169.254/16 link-local (cloud metadata)
      {0xAC100000, 12},  // 172.16/12 private
      {0xC0000000, 24},  // 192.0.0/24 protocol assignments
      {0xC0000200, 24},  // 192.0.2/24 documentation
      {0xC0A80000, 16},  // 192.168/16 private
      {0xC6120000, 15},  // 198.18/15 benchmarking
      {0xC6336400, 24},  // 198.51.100/24 documentation
      {0xCB007100, 24},  // 203.0.113/24 documentation
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved, broadcast
  }};
  for (const auto& [prefix, bits] : kNotPublic) {
    if (InV4(a, prefix, bits)) return false;
  }
  return true;
}

// The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:0:0/96, or the
// NAT64 well-known prefix 64:ff9b::/96), if any.
std::optional<uint32_t> EmbeddedV4(const in6_addr& a) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0,
                                         0, 0,    0,    0,    0, 0};
  if (std::memcmp(a.s6_addr, kMapped, 12) != 0 &&
      std::memcmp(a.s6_addr, kNat64, 12) != 0) {
    return std::nullopt;
  }
  uint32_t v4 = 0;
  std::memcpy(&v4, a.s6_addr + 12, 4);
  return ntohl(v4);
}

bool IsPublicV6(const in6_addr& a) {
  if (std::optional<uint32_t> v4 = EmbeddedV4(a)) return IsPublicV4(*v4);
  const uint8_t* b = a.s6_addr;
  // Only global unicast (2000::/3) is public; within it, documentation
  // (2001:db8::/32) is not.
  if ((b[0] & 0xe0) != 0x20) return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return false;
  }
  // 6to4 (2002::/16) carries an IPv4 address in bits 16-47.
  if (b[0] == 0x20 && b[1] == 0x02) {
    uint32_t v4 = 0;
    std::memcpy(&v4, b + 2, 4);
    return IsPublicV4(ntohl(v4));
  }
  return true;
}

// What the socket-open callback needs: the policy, and what it refused.
struct ConnectGuard {
  bool allow_private = false;
  bool allow_loopback = false;
  std::string refused;  // the address refused, for the error
};

curl_socket_t OpenCheckedSocket(void* data, curlsocktype,
                                struct curl_sockaddr* address) {
  auto* guard = static_cast<ConnectGuard*>(data);
  const sockaddr* target = &address->addr;
  const bool allowed = guard->allow_private || IsPublicAddress(target) ||
                       (guard->allow_loopback && IsLoopbackAddress(target));
  if (!allowed) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (target->sa_family == AF_INET) {
      inet_ntop(AF_INET,
                &reinterpret_cast<const sockaddr_in*>(target)->sin_addr, text,
                sizeof(text));
    } else if (target->sa_family == AF_INET6) {
      inet_ntop(AF_INET6,
                &reinterpret_cast<const sockaddr_in6*>(target)->sin6_addr, text,
                sizeof(text));
    }
    guard->refused = text;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<std::pair<std::string*, size_t>*>(user);
  const size_t n = size * count;
  if (sink->first->size() + n > sink->second) return 0;  // aborts the read
  sink->first->append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers =
      static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  // A status line starts each response (a 100 Continue's too): keep only
  // the final response's headers.
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  headers->emplace_back(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

bool HasLineBreak(absl::string_view text) {
  return text.find_first_of("\r\n") != absl::string_view::npos;
}

}  // namespace

std::optional<std::string> OutboundResponse::Header(
    absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

bool IsPublicAddress(const struct sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return IsPublicV4(
        ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return IsPublicV6(
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return false;
}

bool IsLoopbackAddress(const struct sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return InV4(
        ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr),
        0x7F000000, 8);
  }
  if (address->sa_family == AF_INET6) {
    const in6_addr& a =
        reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    std::optional<uint32_t> v4 = EmbeddedV4(a);
    return v4.has_value() && InV4(*v4, 0x7F000000, 8);
  }
  return false;
}

bool IsAllowedOutboundUrl(absl::string_view url, bool allow_loopback_http) {
  std::optional<UrlParts> parts = ParseUrl(url);
  if (!parts.has_value() || parts->host.empty()) return false;
  if (parts->scheme == "https") return true;
  return parts->scheme == "http" && allow_loopback_http &&
         IsLoopbackHost(parts->host);
}

// libcurl is loaded at the first request, not here: a server whose OAuth
// providers are never used does not map it (third_party/system's
// curl_on_demand.h).
CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<OutboundResponse> CurlHttpClient::Send(
    const OutboundRequest& request) const {
  if (!common::MayBlock()) {
    return absl::UnavailableError(
        "outbound request refused: this thread may not wait on I/O");
  }
  if (absl::Status loaded = system::LoadLibcurl(); !loaded.ok()) {
    return absl::UnavailableError(
        absl::StrCat("outbound HTTP unavailable: ", loaded.message()));
  }
  if (!IsAllowedOutboundUrl(request.url, options_.allow_loopback_http)) {
    return absl::InvalidArgumentError(
        "Outbound URL refused: it must be https (plain http only to a "
        "loopback host, and only where tests allow it).");
  }
  if (HasLineBreak(request.method) || request.method.empty()) {
    return absl::InvalidArgumentError("Outbound request method is malformed.");
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(
      nullptr, curl_slist_free_all);
  for (const auto& [name, value] : request.headers) {
    if (HasLineBreak(name) || HasLineBreak(value)) {
      return absl::InvalidArgumentError("Outbound header is malformed.");
    }
    const std::string line = absl::StrCat(name, ": ", value);
    curl_slist* grown = curl_slist_append(header_list.get(), line.c_str());
    if (grown == nullptr) return absl::InternalError("curl_slist_append");
    header_list.release();
    header_list.reset(grown);
  }

  OutboundResponse response;
  std::pair<std::string*, size_t> sink{&response.body,
                                       options_.max_response_bytes};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  curl_easy_setopt(
      h, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(
      h, CURLOPT_TIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.total_timeout)));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_response_bytes));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "latchkey");
  ConnectGuard guard{.allow_private = options_.allow_private_networks,
                     .allow_loopback = options_.allow_loopback_http};
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }

  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK && !guard.refused.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "Outbound request refused: the host resolves to ", guard.refused,
        ", which is not a public address (set "
        "LATCHKEY_OUTBOUND_ALLOW_PRIVATE_NETWORKS=true to allow private "
        "networks)."));
  }
  switch (code) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat(
          "Outbound request timed out: ", curl_easy_strerror(code)));
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(
          "Outbound response body is larger than the limit.");
    default:
      return absl::UnavailableError(
          absl::StrCat("Outbound request failed: ", curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

std::string UrlEncodeComponent(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace latchkey::service
