#ifndef SERVICE_CORE_APP_API_KEYS_H_
#define SERVICE_CORE_APP_API_KEYS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/app_api_key.h"
#include "service/core/permission_catalog.h"
#include "service/core/project_directory.h"
#include "service/core/team_actor.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// Users' and teams' own API keys: keys an app hands to its users (or their
// teams) and later checks through Latchkey. They are not credentials for
// Latchkey's API. Stored only as a hash and the last four characters; the
// whole key is shown once, on creation. Stateless apart from the injected
// services; thread-safe.
//
// The project must allow the kind (allow_user_api_keys /
// allow_team_api_keys), else API_KEYS_NOT_ENABLED {type}. A client manages
// only its own user's keys (CLIENT_CANNOT_ACCESS_OTHER_USERS) and only the
// keys of teams where it holds $manage_api_keys (otherwise the team's keys
// look absent: API_KEY_NOT_FOUND, so a team's existence does not leak).
// User ids here are resolved ("me" already replaced).
class AppApiKeys {
 public:
  using Type = crypto::AppApiKeyType;

  struct CreateInput {
    Type type = Type::kUser;
    // The user's or the team's id.
    std::string owner_id;
    std::string description;
    std::optional<absl::Time> expires_at;
    bool is_public = false;
  };

  struct Created {
    storage::AppApiKeyRecord key;
    // The whole key: shown once, never stored.
    std::string value;
  };

  struct Changes {
    std::optional<std::string> description;
    // Only true is accepted (a revocation cannot be undone).
    std::optional<bool> revoked;
    std::optional<absl::Time> expires_at;
  };

  AppApiKeys(storage::Database& database, const common::Clock& clock,
             PermissionCatalog& catalog)
      : database_(database), clock_(clock), catalog_(catalog) {}

  // USER_ID_DOES_NOT_EXIST, TEAM_NOT_FOUND (servers), SCHEMA_ERROR for an
  // expiry that is not a positive time.
  absl::StatusOr<Created> Create(const ProjectSnapshot& project,
                                 const TeamActor& actor,
                                 const CreateInput& input) const;

  // The owner's keys, newest first.
  absl::StatusOr<std::vector<storage::AppApiKeyRecord>> List(
      const ProjectSnapshot& project, const TeamActor& actor, Type type,
      const std::string& owner_id) const;

  // API_KEY_NOT_FOUND unless the key exists, is of `type`, belongs to
  // `owner_id` when one is given, and the actor may manage it.
  absl::StatusOr<storage::AppApiKeyRecord> Get(
      const ProjectSnapshot& project, const TeamActor& actor, Type type,
      const std::string& key_id,
      const std::optional<std::string>& owner_id) const;

  // The errors of Get; SCHEMA_ERROR for revoked: false.
  absl::StatusOr<storage::AppApiKeyRecord> Update(
      const ProjectSnapshot& project, const TeamActor& actor, Type type,
      const std::string& key_id, const std::optional<std::string>& owner_id,
      const Changes& changes) const;

  // For back ends: the key if it is valid. API_KEY_NOT_FOUND (not a key, or
  // not one of this project's), WRONG_API_KEY_TYPE {expected_type,
  // actual_type}, API_KEY_REVOKED, API_KEY_EXPIRED, in that order.
  absl::StatusOr<storage::AppApiKeyRecord> Check(const ProjectSnapshot& project,
                                                 Type type,
                                                 const std::string& key) const;

 private:
  // The project allows keys of `type`.
  static absl::Status RequireEnabled(const ProjectSnapshot& project, Type type);
  // The actor may manage keys of this owner (see the class comment).
  absl::Status RequireManager(storage::Repositories& repos,
                              const TeamActor& actor, Type type,
                              const std::string& owner_id) const;

  storage::Database& database_;
  const common::Clock& clock_;
  PermissionCatalog& catalog_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_APP_API_KEYS_H_
