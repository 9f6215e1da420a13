#ifndef SERVICE_PIPELINE_REQUEST_METADATA_H_
#define SERVICE_PIPELINE_REQUEST_METADATA_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace latchkey::service {

// The request headers (gRPC metadata, or HTTP headers forwarded by the REST
// gateway) that Latchkey reads, with keys lower-cased and the SDK 2.8.108
// spelling `x-hexclave-*` folded into `x-stack-*`. Immutable after
// construction; thread-compatible.
class RequestMetadata {
 public:
  RequestMetadata() = default;

  // Adds one header from a client. The first value of a key wins; later ones
  // are ignored, so a duplicated credential header cannot smuggle in a second
  // value. Dropped: keys outside x-stack-*, x-hexclave-* and authorization
  // (in particular a client's x-latchkey-*, which only the server sets), and
  // any key or value gRPC metadata cannot carry (a key outside [a-z0-9-_.],
  // a "-bin" key, a value outside printable ASCII). So every entry kept can
  // be passed to grpc::ClientContext::AddMetadata without aborting.
  void Add(absl::string_view key, absl::string_view value);

  // The value of a header by its x-stack-* (or other canonical) name.
  std::optional<absl::string_view> Get(absl::string_view canonical_key) const;

  // Whether a header's value is exactly "true".
  bool IsTrue(absl::string_view canonical_key) const;

  // The bearer token of `authorization: Bearer <token>`, if any.
  std::optional<absl::string_view> BearerToken() const;

  const std::map<std::string, std::string, std::less<>>& entries() const {
    return entries_;
  }

  // Canonical header names.
  static constexpr absl::string_view kProjectId = "x-stack-project-id";
  static constexpr absl::string_view kAccessType = "x-stack-access-type";
  static constexpr absl::string_view kBranchId = "x-stack-branch-id";
  static constexpr absl::string_view kPublishableClientKey =
      "x-stack-publishable-client-key";
  static constexpr absl::string_view kSecretServerKey =
      "x-stack-secret-server-key";
  static constexpr absl::string_view kSuperSecretAdminKey =
      "x-stack-super-secret-admin-key";
  static constexpr absl::string_view kAdminAccessToken =
      "x-stack-admin-access-token";
  static constexpr absl::string_view kAccessToken = "x-stack-access-token";
  static constexpr absl::string_view kRefreshToken = "x-stack-refresh-token";
  static constexpr absl::string_view kAllowAnonymousUser =
      "x-stack-allow-anonymous-user";
  static constexpr absl::string_view kAllowRestrictedUser =
      "x-stack-allow-restricted-user";
  static constexpr absl::string_view kAuthorization = "authorization";
  // Set by the REST gateway: the client address it saw, its request id, and
  // the per-process token that proves the call comes from the gateway
  // (GrpcDispatchService ignores the first two without the third). Never
  // kept by Add: GrpcDispatchService reads them from the raw metadata.
  static constexpr absl::string_view kForwardedFor = "x-latchkey-client-ip";
  static constexpr absl::string_view kForwardedRequestId =
      "x-latchkey-request-id";
  static constexpr absl::string_view kGatewayToken = "x-latchkey-gateway-token";

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

}  // namespace latchkey::service

#endif  // SERVICE_PIPELINE_REQUEST_METADATA_H_
