#include "service/core/admin_setup.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/team_membership.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

constexpr char kAdministratorsTeamName[] = "Administrators";

// Recovery attempts: enough for an operator's typos, far too few for
// guessing (the key has at least 32 characters anyway). The global bound
// caps guessing from many addresses.
constexpr int kRecoveryWindowSeconds = 15 * 60;
constexpr int kRecoveryAttemptsPerAddress = 5;
constexpr int kRecoveryAttemptsInAll = 50;

identity::v1::RateLimit Limit(int limit, int window_seconds) {
  identity::v1::RateLimit out;
  out.set_limit(limit);
  out.set_window_seconds(window_seconds);
  return out;
}

}  // namespace

absl::StatusOr<SignedIn> AdminSetup::Setup(const SetupInput& input) const {
  const std::string project_id(kInternalProjectId);
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const ProjectSnapshot> internal,
                            projects_.Get(project_id));
  int64_t existing = 0;
  LATCHKEY_RETURN_IF_ERROR(
      services_.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(existing,
                                  repos.users().Count(project_id, false));
        return absl::OkStatus();
      }));
  if (existing > 0) return ApiError(identity::v1::SETUP_ALREADY_COMPLETED);
  if (input.display_name.empty()) {
    return SchemaError("body.display_name must not be empty");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            NormalizeEmail(input.email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(
      CheckPasswordPolicy(input.password, internal->config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      services_.passwords.Hash(input.password, internal->config, project_id));

  const absl::Time now = services_.clock.Now();
  NewUser admin;
  LATCHKEY_ASSIGN_OR_RETURN(admin.user.id, crypto::RandomUuidV4());
  admin.user.project_id = project_id;
  admin.user.display_name = input.display_name;
  admin.user.signed_up_at = admin.user.last_active_at = now;
  admin.primary_email = email;
  // Nobody has proven the address; the internal project does not require
  // verification unless an operator turns it on.
  admin.primary_email_verified = false;
  admin.primary_email_auth_enabled = true;
  admin.password = PasswordHash{hash, PasswordAlgorithm::kArgon2id};
  LATCHKEY_ASSIGN_OR_RETURN(std::string new_team_id, crypto::RandomUuidV4());

  std::optional<SignedIn> signed_in;
  // Serializable: "no human user yet" is a predicate over rows that do not
  // exist, which no unique constraint can guard. The loser of a race is
  // retried, sees the winner, and writes nothing.
  LATCHKEY_RETURN_IF_ERROR(services_.database.RunInTransaction(
      storage::Isolation::kSerializable,
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(int64_t humans,
                                  repos.users().Count(project_id, false));
        if (humans > 0) {
          return ApiError(identity::v1::SETUP_ALREADY_COMPLETED);
        }
        LATCHKEY_RETURN_IF_ERROR(CreateUser(repos, admin, now));
        LATCHKEY_ASSIGN_OR_RETURN(storage::ProjectRecord project,
                                  repos.projects().Get(project_id));
        // Keep an existing owner team (projects created with the admin key
        // are owned by it); make one when there is none.
        bool have_team = false;
        if (project.owner_team_id.has_value()) {
          absl::Status team =
              repos.teams().Get(project_id, *project.owner_team_id).status();
          if (!team.ok() && team.code() != absl::StatusCode::kNotFound) {
            return team;
          }
          have_team = team.ok();
        }
        if (!have_team) {
          storage::TeamRecord team;
          team.id = new_team_id;
          team.project_id = project_id;
          team.display_name = kAdministratorsTeamName;
          team.created_at = now;
          LATCHKEY_RETURN_IF_ERROR(repos.teams().Create(team));
          project.owner_team_id = new_team_id;
          LATCHKEY_RETURN_IF_ERROR(repos.projects().Update(project));
        }
        // The first administrator holds the owner team as its creator would
        // (team_admin by default), so it can manage the team as a client.
        LATCHKEY_RETURN_IF_ERROR(AddMemberWithDefaults(
            repos, project_id, *project.owner_team_id, admin.user.id,
            internal->config.team_creator_default_permissions(), now));
        LATCHKEY_ASSIGN_OR_RETURN(storage::UserView view,
                                  repos.users().Get(project_id, admin.user.id));
        LATCHKEY_ASSIGN_OR_RETURN(
            signed_in, StartSession(services_.sessions, services_.token_issuer,
                                    repos, *internal, view));
        return absl::OkStatus();
      }));
  projects_.Invalidate(project_id);
  return *std::move(signed_in);
}

absl::Status AdminSetup::Recover(const RecoverInput& input) const {
  if (!recovery_key_.has_value() || recovery_key_->empty()) {
    return ApiError(identity::v1::RECOVERY_NOT_ENABLED);
  }
  const std::string project_id(kInternalProjectId);
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.Consume(
      project_id, absl::StrCat("admin_recovery_ip:", input.client_ip),
      Limit(kRecoveryAttemptsPerAddress, kRecoveryWindowSeconds)));
  LATCHKEY_RETURN_IF_ERROR(services_.rate_limiter.Consume(
      project_id, "admin_recovery",
      Limit(kRecoveryAttemptsInAll, kRecoveryWindowSeconds)));
  // Digests first, so the comparison's time does not depend on the length
  // of the guess either.
  if (!crypto::ConstantTimeEquals(crypto::Sha256(input.recovery_key),
                                  crypto::Sha256(*recovery_key_))) {
    return ApiError(identity::v1::INVALID_RECOVERY_KEY);
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::shared_ptr<const ProjectSnapshot> internal,
                            projects_.Get(project_id));
  LATCHKEY_ASSIGN_OR_RETURN(std::string email,
                            NormalizeEmail(input.email, "body.email"));
  LATCHKEY_RETURN_IF_ERROR(
      CheckPasswordPolicy(input.new_password, internal->config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash, services_.passwords.Hash(input.new_password,
                                                 internal->config, project_id));
  const absl::Time now = services_.clock.Now();
  return services_.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().FindByAuthEmail(project_id, email);
        if (!user.ok()) return UserNotFoundOr(user.status());
        LATCHKEY_RETURN_IF_ERROR(repos.credentials().SetPassword(
            project_id,
            {user->user.id, hash,
             std::string(PasswordAlgorithmName(PasswordAlgorithm::kArgon2id)),
             now}));
        // Whoever knew the old password is signed out everywhere.
        return repos.sessions()
            .DeleteAllForUser(project_id, user->user.id)
            .status();
      });
}

}  // namespace latchkey::service::core
