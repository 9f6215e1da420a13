#ifndef SERVICE_API_PROJECT_SERVICE_H_
#define SERVICE_API_PROJECT_SERVICE_H_

#include "absl/status/status.h"
#include "service/api/app_context.h"
#include "service/pipeline/method_registry.h"

namespace latchkey::service::api {

// identity.v1.ProjectService: projects (tenants), their configuration and
// overrides, API key sets and OAuth provider settings. Every method acts on
// the calling project (request authentication named it), except
// CreateProject and ListProjects, which are internal-project calls.
//
// Decisions where the contract leaves room (README.md, "Projects and keys"):
// - CreateProject by a signed-in internal-project user, or with an admin
//   access token, makes a new owner team (in the internal project) with
//   that user as its only member. With the internal project's super-secret
//   admin key there is no user: the new project is owned by the internal
//   project's own owner team (the deployment's administrators, made by
//   first-admin setup), or by nobody before setup has run.
// - Anonymous and restricted users may not create projects.
// - The config's enabled_oauth_providers is derived from the OAuth providers
//   whose `enabled` is on, and cannot be overridden by a config key.
// - Every write invalidates the ProjectDirectory cache entry of the project.
//
// The registered handlers are thread-safe; `context` must outlive them.
absl::Status RegisterProjectService(MethodRegistry& registry,
                                    AppContext& context);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PROJECT_SERVICE_H_
