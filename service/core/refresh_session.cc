#include "service/core/refresh_session.h"

#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/string_views.h"
#include "service/core/token_subjects.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

using common::Std;

absl::Status RefreshTokenNotFound() {
  return ApiError(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
}

}  // namespace

absl::StatusOr<RefreshOutput> RefreshSession::Run(
    const RefreshInput& input) const {
  if (input.config == nullptr) {
    return absl::InternalError("refresh called without a project config");
  }
  if (input.refresh_token.empty()) return RefreshTokenNotFound();
  const identity::v1::ProjectConfig& project_config = *input.config;
  std::optional<identity::v1::ProjectConfig> without_rotation;
  if (!input.can_rotate && project_config.refresh_token_rotation()) {
    without_rotation = project_config;
    without_rotation->set_refresh_token_rotation(false);
  }
  const identity::v1::ProjectConfig& config =
      without_rotation.has_value() ? *without_rotation : project_config;

  // Counted per rotation family, so a rotating session has one budget
  // however many tokens it goes through.
  auto per_session_limit = [&](const storage::SessionRecord& session) {
    // Hot path: a block of the budget at a time (rate_limiter.h).
    return rate_limiter_.ConsumeInBlocks(
        input.project_id,
        absl::StrCat("refresh_session:", session.rotation_family_id.empty()
                                             ? session.id
                                             : session.rotation_family_id),
        config.rate_limits().refresh_per_session());
  };
  absl::StatusOr<RefreshedSession> refreshed = sessions_.Refresh(
      input.project_id, input.refresh_token, config, per_session_limit);
  if (!refreshed.ok()) return refreshed.status();

  // The user was read with the session (sessions go with their user, ON
  // DELETE CASCADE: a deleted user's token is not found at all).
  absl::StatusOr<IssuedToken> access = token_issuer_.IssueWithExpiry(
      SubjectFor(refreshed->user, project_config, refreshed->session.id),
      absl::Seconds(project_config.access_token_lifetime_seconds()));
  if (!access.ok()) return access.status();
  return RefreshOutput{std::move(access->token), access->expires_at,
                       std::move(refreshed->next_refresh_token)};
}

absl::Status RefreshSession::Revoke(absl::string_view project_id,
                                    absl::string_view refresh_token) const {
  absl::StatusOr<storage::SessionRecord> session =
      sessions_.FindByToken(project_id, refresh_token);
  if (session.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  if (!session.ok()) return session.status();
  return database_.Run([&](storage::Repositories& repos) {
    return repos.sessions()
        .DeleteFamily(Std(session->project_id),
                      Std(session->rotation_family_id))
        .status();
  });
}

}  // namespace latchkey::service::core
