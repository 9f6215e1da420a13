#include "service/pipeline/trusted_proxies.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/ip/address.hpp"

namespace latchkey::service {
namespace {

namespace ip = boost::asio::ip;

constexpr size_t kMaxEntries = 64;
// Hops of X-Forwarded-For examined; longer chains are not real.
constexpr int kMaxHops = 32;

// The address, or nullopt when `text` is not one.
std::optional<ip::address> ParseAddress(absl::string_view text) {
  boost::system::error_code error;
  ip::address address =
      ip::make_address(std::string(absl::StripAsciiWhitespace(text)), error);
  if (error) return std::nullopt;
  // An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is that
  // IPv4 client.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::address(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
  }
  return address;
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view list) {
  TrustedProxies proxies;
  std::vector<absl::string_view> entries =
      absl::StrSplit(list, ',', absl::SkipWhitespace());
  if (entries.size() > kMaxEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxEntries, " trusted proxies"));
  }
  for (absl::string_view raw : entries) {
    const std::string entry(absl::StripAsciiWhitespace(raw));
    boost::system::error_code error;
    if (entry.find('/') == std::string::npos) {
      std::optional<ip::address> address = ParseAddress(entry);
      if (!address.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", entry, "\" is not an address or network"));
      }
      if (address->is_v4()) {
        proxies.v4_.push_back(ip::network_v4(address->to_v4(), 32));
      } else {
        proxies.v6_.push_back(ip::network_v6(address->to_v6(), 128));
      }
      continue;
    }
    ip::network_v4 v4 = ip::make_network_v4(entry, error);
    if (!error) {
      proxies.v4_.push_back(v4.canonical());
      continue;
    }
    error.clear();
    ip::network_v6 v6 = ip::make_network_v6(entry, error);
    if (!error) {
      proxies.v6_.push_back(v6.canonical());
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("\"", entry, "\" is not an address or network"));
  }
  return proxies;
}

bool TrustedProxies::Contains(absl::string_view text) const {
  std::optional<ip::address> address = ParseAddress(text);
  if (!address.has_value()) return false;
  if (address->is_v4()) {
    for (const ip::network_v4& network : v4_) {
      if (ip::network_v4(address->to_v4(), network.prefix_length())
              .canonical() == network) {
        return true;
      }
    }
    return false;
  }
  for (const ip::network_v6& network : v6_) {
    if (ip::network_v6(address->to_v6(), network.prefix_length()).canonical() ==
        network) {
      return true;
    }
  }
  return false;
}

std::string TrustedProxies::ClientAddress(
    absl::string_view peer, absl::string_view forwarded_for) const {
  std::string client(peer);
  if (!Contains(client)) return client;
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  int examined = 0;
  for (auto hop = hops.rbegin(); hop != hops.rend() && examined < kMaxHops;
       ++hop, ++examined) {
    std::optional<ip::address> address = ParseAddress(*hop);
    if (!address.has_value()) break;
    client = address->to_string();
    if (!Contains(client)) return client;
  }
  return client;
}

}  // namespace latchkey::service
