#ifndef SERVICE_MESH_EXT_AUTHZ_H_
#define SERVICE_MESH_EXT_AUTHZ_H_

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "google/protobuf/descriptor.h"
#include "service/core/access_tokens.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/mesh/identity_headers.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::mesh {

// Per-route requirements, read from CheckRequest.attributes
// .context_extensions (Envoy's ExtAuthzPerRoute check_settings, or the
// forward-auth endpoint's query parameters).
//
// The project whose tokens are accepted; by default the one the token
// names (its audience, checked by the full verification).
inline constexpr absl::string_view kProjectIdExtension = "latchkey.project_id";
// A permission id the user must hold; without it any valid user passes.
inline constexpr absl::string_view kPermissionExtension = "latchkey.permission";
// The request header naming the team the permission is checked in; without
// it the permission is a project permission.
inline constexpr absl::string_view kTeamHeaderExtension =
    "latchkey.team_header";
// "true" admits anonymous users (refused by default, as Stack refuses them
// unless the caller opts in); restricted users then pass too.
inline constexpr absl::string_view kAllowAnonymousExtension =
    "latchkey.allow_anonymous";
// "true" admits restricted users (unverified email where the project
// requires it, restricted by an administrator).
inline constexpr absl::string_view kAllowRestrictedExtension =
    "latchkey.allow_restricted";

// The identity headers an allowed request carries upstream. Every other
// x-latchkey-* header a client sent is removed.
inline constexpr absl::string_view kUserIdHeader = "x-latchkey-user-id";
inline constexpr absl::string_view kProjectIdHeader = "x-latchkey-project-id";
inline constexpr absl::string_view kTeamIdHeader = "x-latchkey-team-id";
inline constexpr absl::string_view kIsAnonymousHeader =
    "x-latchkey-is-anonymous";

// Envoy's external authorization decision for one request, Latchkey's way:
//
//  - the user's access token comes from the checked request's
//    x-stack-access-token or Authorization: Bearer header (the same reading
//    as every other call); none, or one that fails verification, is a 401
//    with WWW-Authenticate and Stack's error body (the REST gateway's codes:
//    USER_AUTHENTICATION_REQUIRED, UNPARSABLE_ACCESS_TOKEN,
//    ACCESS_TOKEN_EXPIRED, ANONYMOUS_AUTHENTICATION_NOT_ALLOWED, ...);
//  - the token is verified by core::AccessTokenVerifier::Verify, the call
//    behind ValidateAccessToken (and its cache), for the project the token
//    names or the one the route names; a project that no longer exists is
//    a 401 too;
//  - a route's required permission is checked by core::PermissionCatalog,
//    the engine behind CheckPermission; lacking it is a 403 with
//    TEAM_PERMISSION_REQUIRED or PROJECT_PERMISSION_REQUIRED (a restricted
//    user refused is a 403 too: authenticated, not admitted);
//  - allowed requests go upstream with the identity headers set (replacing
//    any the client sent, whatever Envoy's default) and every other
//    client-sent x-latchkey-* header removed; the operator's extra identity
//    headers (--identity_headers) are set too, or removed when the user has
//    no such value, so a client's copy never passes.
//
// A failure to decide (the database does not answer) is an error status,
// not a denial: Envoy then applies its failure-mode settings.
// Thread-safe; the components must outlive it.
class ExtAuthz {
 public:
  ExtAuthz(const core::AccessTokenVerifier& tokens,
           core::ProjectDirectory& projects,
           core::PermissionCatalog& permissions,
           std::vector<IdentityHeader> extra_headers = {})
      : tokens_(tokens),
        projects_(projects),
        permissions_(permissions),
        extra_headers_(std::move(extra_headers)) {}

  absl::StatusOr<envoy::service::auth::v3::CheckResponse> Check(
      const envoy::service::auth::v3::CheckRequest& request) const;

 private:
  const core::AccessTokenVerifier& tokens_;
  core::ProjectDirectory& projects_;
  core::PermissionCatalog& permissions_;
  const std::vector<IdentityHeader> extra_headers_;
};

// envoy.service.auth.v3.Authorization, for the method registry.
const google::protobuf::ServiceDescriptor& AuthorizationService();

// Binds Authorization.Check to `policy`, which must outlive the registry's
// handlers. The registry must serve AuthorizationService().
absl::Status RegisterAuthorization(MethodRegistry& registry,
                                   const ExtAuthz& policy);

}  // namespace latchkey::service::mesh

#endif  // SERVICE_MESH_EXT_AUTHZ_H_
