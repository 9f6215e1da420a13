#ifndef SERVICE_CORE_PERSONAL_TEAM_H_
#define SERVICE_CORE_PERSONAL_TEAM_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "identity/v1/project.pb.h"
#include "storage/database.h"
#include "storage/records.h"

namespace latchkey::service::core {

// The name of a new user's personal team: "<display name>'s Team", else
// "<primary email>'s Team", else "Personal Team".
std::string PersonalTeamName(const storage::UserView& user);

// When the project asks for one (create_team_on_sign_up), a personal team
// for a user just created, in the caller's transaction: the team, the user
// as its member with the team creator's default permissions, and the team
// as the user's selected team. Every way a user comes to exist calls this
// (sign-up by password, code or as a guest, and a server creating one); an
// anonymous user who later signs up keeps the team they have. Returns the
// team's id, or nullopt when the project makes none.
absl::StatusOr<std::optional<std::string>> MaybeCreatePersonalTeam(
    storage::Repositories& repos, const std::string& project_id,
    const identity::v1::ProjectConfig& config, const storage::UserView& user,
    absl::Time now);

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PERSONAL_TEAM_H_
