#ifndef SERVICE_API_OAUTH_CLIENT_H_
#define SERVICE_API_OAUTH_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/project_directory.h"

namespace latchkey::service::api {

// What Stack's SDK sends as client_secret when it has no publishable client
// key. Accepted only by projects that do not require one.
inline constexpr absl::string_view kPublicClientSecret =
    "__stack_public_client__";

// The one OAuth scope Stack grants ("legacy"); every access token carries it
// implicitly, and the token endpoint answers with it.
inline constexpr absl::string_view kOAuthScope = "legacy";

// Authenticates the OAuth client of the public, form-encoded endpoints
// (token, revoke), which carry no x-stack headers: the project is
// `client_id` ("<project>" or "<project>#<branch>") and `client_secret` its
// publishable client key or kPublicClientSecret.
//
// Returns the project, or:
//  - INVALID_OAUTH_CLIENT_ID_OR_SECRET {client_id} for an unknown project, a
//    branch other than "main" (projects have one branch; Stack finds no
//    tenancy for any other and answers the same), an empty secret, or a key
//    that is not a live publishable client key of that project;
//  - PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT {project_id} for
//    kPublicClientSecret when the project requires a publishable key;
//  - the database's error (UNAVAILABLE...) when it cannot tell.
// Thread-safe (the directory is).
absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>>
AuthenticateOAuthClient(core::ProjectDirectory& projects,
                        absl::string_view client_id,
                        absl::string_view client_secret);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_OAUTH_CLIENT_H_
