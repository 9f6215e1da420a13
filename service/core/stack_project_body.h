#ifndef SERVICE_CORE_STACK_PROJECT_BODY_H_
#define SERVICE_CORE_STACK_PROJECT_BODY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "service/core/oauth_provider_settings.h"

namespace latchkey::service::core {

// The `config` of a project create or update body, split into what Latchkey
// keeps where. Stack's clients send a nested object with some keys Latchkey
// stores elsewhere or shapes differently; Latchkey's own clients send dotted
// keys. Both arrive here.
struct ProjectConfigBody {
  // Dotted keys for the project-level override.
  nlohmann::json override_keys = nlohmann::json::object();
  // Stack's `oauth_providers`, as provider settings to store (enabled).
  std::vector<OAuthProviderInput> oauth_providers;
};

// Translates `config` (a JSON object). Per Stack key:
// - team_creator_default_permissions, team_member_default_permissions: a
//   list of {id} becomes the list of ids (a list of strings is kept);
//   user_default_permissions becomes user_default_project_permissions.
// - oauth_providers: each `standard` entry {id, client_id, client_secret}
//   for google, github or microsoft becomes a provider setting; `shared`
//   entries (Stack's own development credentials, which Latchkey does not
//   have), other providers and Facebook, Microsoft tenant or Apple bundle
//   settings are refused.
// - email_config: `shared` (the deployment's mailer) is accepted and
//   nothing is kept; `standard` (a per-project SMTP server) is refused.
// - email_theme: accepted and not kept (mail uses per-project templates).
// Null for any of these is the same as leaving it out. Every other key is
// passed on as a dotted key, which the configuration checks later.
// SCHEMA_ERROR naming the key for a refused or malformed value.
absl::StatusOr<ProjectConfigBody> TranslateProjectConfigBody(
    const nlohmann::json& config);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_STACK_PROJECT_BODY_H_
