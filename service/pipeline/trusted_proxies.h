#ifndef SERVICE_PIPELINE_TRUSTED_PROXIES_H_
#define SERVICE_PIPELINE_TRUSTED_PROXIES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/network_v4.hpp"
#include "boost/asio/ip/network_v6.hpp"

namespace latchkey::service {

// The load balancers and proxies in front of latchkeyd whose
// X-Forwarded-For may be believed. Per-address abuse limits key on the
// client's address; behind a load balancer every peer address is the
// balancer's, so without this every client would share one limit. An
// empty set believes no header. Immutable; thread-safe.
class TrustedProxies {
 public:
  TrustedProxies() = default;

  // A comma-separated list of addresses and CIDR networks
  // ("10.0.0.0/8, 127.0.0.1, fd00::/8"). INVALID_ARGUMENT naming the entry
  // that does not parse; at most 64 entries.
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view list);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool Contains(absl::string_view address) const;

  // The client's address: `peer` itself unless it is a trusted proxy; then
  // X-Forwarded-For read from the right (the entries nearest to us, the
  // only ones a trusted proxy wrote), skipping trusted proxies, up to the
  // first address that is not one. `forwarded_for` is every
  // X-Forwarded-For value joined with commas. An entry that is not an
  // address (or a list made only of proxies) stops the walk at the last
  // trusted hop, which is then the answer.
  std::string ClientAddress(absl::string_view peer,
                            absl::string_view forwarded_for) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_TRUSTED_PROXIES_H_
