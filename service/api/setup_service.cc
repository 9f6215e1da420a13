#include "service/api/setup_service.h"

#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "identity/v1/auth.pb.h"
#include "service/api/sign_in.h"
#include "service/core/emails.h"
#include "service/core/passwords.h"
#include "service/core/project_directory.h"
#include "service/core/rate_limiter.h"
#include "service/core/team_membership.h"
#include "service/core/users.h"
#include "service/errors/api_error.h"

namespace latchkey::service::api {
namespace {

using identity::v1::RecoverAdminPasswordRequest;
using identity::v1::SetupFirstAdminRequest;
using identity::v1::SignInResponse;
using identity::v1::SuccessResponse;

constexpr char kAdministratorsTeamName[] = "Administrators";

// Recovery attempts: enough for an operator's typos, far too few for
// guessing (the key has at least 32 characters anyway). The global bound
// caps guessing from many addresses.
identity::v1::RateLimit Limit(int limit, int window_seconds) {
  identity::v1::RateLimit out;
  out.set_limit(limit);
  out.set_window_seconds(window_seconds);
  return out;
}
constexpr int kRecoveryWindowSeconds = 15 * 60;

absl::StatusOr<std::shared_ptr<const core::ProjectSnapshot>> InternalProject(
    AppContext& context) {
  return context.projects.Get(core::kInternalProjectId);
}

absl::StatusOr<SignInResponse> SetupFirstAdmin(
    AppContext& context, const SetupFirstAdminRequest& request) {
  LATCHKEY_ASSIGN_OR_RETURN(
      std::shared_ptr<const core::ProjectSnapshot> internal,
      InternalProject(context));
  // Answered before any validation or hashing: once setup is done this
  // public route must cost one indexed count, not an argon2 run. The check
  // inside the transaction below is the one that decides.
  int64_t existing = 0;
  LATCHKEY_RETURN_IF_ERROR(
      context.database.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(
            existing,
            repos.users().Count(std::string(core::kInternalProjectId), false));
        return absl::OkStatus();
      }));
  if (existing > 0) return ApiError(identity::v1::SETUP_ALREADY_COMPLETED);
  if (request.display_name().empty()) {
    const std::string text = "body.display_name must not be empty";
    return ApiError(identity::v1::SCHEMA_ERROR, {{"message", text}}, text);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email, core::NormalizeEmail(request.email(), "body.email"));
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.password(), internal->config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.password(), internal->config,
                             core::kInternalProjectId));

  const absl::Time now = context.clock.Now();
  const std::string project_id(core::kInternalProjectId);
  core::NewUser admin;
  LATCHKEY_ASSIGN_OR_RETURN(admin.user.id, crypto::RandomUuidV4());
  admin.user.project_id = project_id;
  admin.user.display_name = request.display_name();
  admin.user.signed_up_at = admin.user.last_active_at = now;
  admin.primary_email = email;
  // Nobody has proven the address; the internal project does not require
  // verification unless an operator turns it on.
  admin.primary_email_verified = false;
  admin.primary_email_auth_enabled = true;
  admin.password = core::PasswordHash{hash, core::PasswordAlgorithm::kArgon2id};
  LATCHKEY_ASSIGN_OR_RETURN(std::string new_team_id, crypto::RandomUuidV4());

  SignInResponse out;
  // Serializable: "no human user yet" is a predicate over rows that do not
  // exist, which no unique constraint can guard. Two racing setups cannot
  // both commit; the loser is retried, sees the winner, and writes nothing.
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      storage::Isolation::kSerializable,
      [&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(int64_t humans,
                                  repos.users().Count(project_id, false));
        if (humans > 0) {
          return ApiError(identity::v1::SETUP_ALREADY_COMPLETED);
        }
        LATCHKEY_RETURN_IF_ERROR(core::CreateUser(repos, admin, now));
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
        LATCHKEY_RETURN_IF_ERROR(core::AddMemberWithDefaults(
            repos, project_id, *project.owner_team_id, admin.user.id,
            internal->config.team_creator_default_permissions(), now));
        LATCHKEY_ASSIGN_OR_RETURN(storage::UserView view,
                                  repos.users().Get(project_id, admin.user.id));
        LATCHKEY_ASSIGN_OR_RETURN(
            SignedIn signed_in, StartSession(context, repos, *internal, view));
        out.set_access_token(signed_in.access_token);
        out.set_refresh_token(signed_in.refresh_token);
        out.set_user_id(signed_in.user_id);
        return absl::OkStatus();
      }));
  context.projects.Invalidate(core::kInternalProjectId);
  return out;
}

absl::StatusOr<SuccessResponse> RecoverAdminPassword(
    AppContext& context, CallContext& call,
    const RecoverAdminPasswordRequest& request) {
  const std::optional<std::string>& expected =
      context.config.admin_recovery_key;
  if (!expected.has_value() || expected->empty()) {
    return ApiError(identity::v1::RECOVERY_NOT_ENABLED);
  }
  const std::string project_id(core::kInternalProjectId);
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.Consume(
      project_id, absl::StrCat("admin_recovery_ip:", call.client_ip()),
      Limit(5, kRecoveryWindowSeconds)));
  LATCHKEY_RETURN_IF_ERROR(context.rate_limiter.Consume(
      project_id, "admin_recovery", Limit(50, kRecoveryWindowSeconds)));
  // Digests first, so the comparison's time does not depend on the length
  // of the guess either.
  if (!crypto::ConstantTimeEquals(crypto::Sha256(request.recovery_key()),
                                  crypto::Sha256(*expected))) {
    return ApiError(identity::v1::INVALID_RECOVERY_KEY);
  }
  LATCHKEY_ASSIGN_OR_RETURN(
      std::shared_ptr<const core::ProjectSnapshot> internal,
      InternalProject(context));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string email, core::NormalizeEmail(request.email(), "body.email"));
  LATCHKEY_RETURN_IF_ERROR(
      core::CheckPasswordPolicy(request.new_password(), internal->config));
  LATCHKEY_ASSIGN_OR_RETURN(
      std::string hash,
      context.passwords.Hash(request.new_password(), internal->config,
                             core::kInternalProjectId));
  const absl::Time now = context.clock.Now();
  LATCHKEY_RETURN_IF_ERROR(context.database.RunInTransaction(
      [&](storage::Repositories& repos) -> absl::Status {
        absl::StatusOr<storage::UserView> user =
            repos.users().FindByAuthEmail(project_id, email);
        if (!user.ok()) return core::UserNotFoundOr(user.status());
        LATCHKEY_RETURN_IF_ERROR(repos.credentials().SetPassword(
            project_id, {user->user.id, hash,
                         std::string(core::PasswordAlgorithmName(
                             core::PasswordAlgorithm::kArgon2id)),
                         now}));
        // Whoever knew the old password is signed out everywhere.
        return repos.sessions()
            .DeleteAllForUser(project_id, user->user.id)
            .status();
      }));
  SuccessResponse out;
  out.set_success(true);
  return out;
}

}  // namespace

absl::Status RegisterSetupService(MethodRegistry& registry,
                                  AppContext& context) {
  AppContext* ctx = &context;
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<SetupFirstAdminRequest, SignInResponse>(
          "identity.v1.AuthService.SetupFirstAdmin",
          [ctx](CallContext&, const SetupFirstAdminRequest& request) {
            return SetupFirstAdmin(*ctx, request);
          })));
  LATCHKEY_RETURN_IF_ERROR(
      (registry.Register<RecoverAdminPasswordRequest, SuccessResponse>(
          "identity.v1.AuthService.RecoverAdminPassword",
          [ctx](CallContext& call, const RecoverAdminPasswordRequest& request) {
            return RecoverAdminPassword(*ctx, call, request);
          })));
  return absl::OkStatus();
}

}  // namespace latchkey::service::api
