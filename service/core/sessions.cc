#include "service/core/sessions.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/string_views.h"
#include "crypto/hashing.h"
#include "crypto/random.h"
#include "service/errors/api_error.h"
#include "storage/errors.h"

namespace latchkey::service::core {
namespace {

// last_used_at is advisory (session lists); writing it on every refresh
// would turn the hottest read into a write.
constexpr absl::Duration kTouchInterval = absl::Minutes(1);

using common::Std;

absl::Status NotFoundOrExpired() {
  return ApiError(identity::v1::REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED);
}

bool Expired(const storage::SessionRecord& session, absl::Time now) {
  return session.expires_at.has_value() && *session.expires_at <= now;
}

}  // namespace

absl::StatusOr<IssuedSession> SessionManager::Create(
    storage::Repositories& repos, absl::string_view project_id,
    absl::string_view user_id, bool is_impersonation,
    const identity::v1::ProjectConfig& config,
    std::optional<absl::Duration> lifetime) const {
  absl::StatusOr<std::string> token = crypto::RandomToken();
  if (!token.ok()) return token.status();
  absl::StatusOr<std::string> id = crypto::RandomUuidV4();
  if (!id.ok()) return id.status();
  const absl::Time now = clock_.Now();
  IssuedSession issued;
  issued.refresh_token = *std::move(token);
  storage::SessionRecord& session = issued.session;
  session.id = *id;
  session.project_id = std::string(project_id);
  session.user_id = std::string(user_id);
  session.refresh_token_hash = crypto::HashToken(issued.refresh_token);
  session.is_impersonation = is_impersonation;
  session.rotation_family_id = *id;
  session.rotation_counter = 0;
  session.created_at = now;
  session.expires_at =
      now +
      lifetime.value_or(absl::Seconds(config.refresh_token_lifetime_seconds()));
  if (absl::Status status = repos.sessions().Create(session); !status.ok()) {
    return status;
  }
  return issued;
}

absl::StatusOr<storage::SessionRecord> SessionManager::FindByToken(
    absl::string_view project_id, absl::string_view refresh_token) const {
  // The user comes along (the same indexed lookup and a primary-key join);
  // sign-out and the successor walk are rare enough not to need their own
  // statement.
  absl::StatusOr<storage::SessionWithUser> found =
      FindWithUser(project_id, refresh_token);
  if (!found.ok()) return found.status();
  return std::move(found->session);
}

absl::StatusOr<storage::SessionWithUser> SessionManager::FindWithUser(
    absl::string_view project_id, absl::string_view refresh_token) const {
  const std::string hash = crypto::HashToken(Std(refresh_token));
  absl::StatusOr<storage::SessionWithUser> found;
  absl::Status status = database_.Run([&](storage::Repositories& repos) {
    found = repos.sessions().FindByTokenHashWithUser(hash);
    return found.status();
  });
  if (!status.ok()) return status;
  // Found by the hash, the row still answers only a token of this project
  // whose stored hash matches (compared in constant time).
  if (found->session.project_id != project_id ||
      !crypto::ConstantTimeEquals(found->session.refresh_token_hash, hash)) {
    return absl::NotFoundError("no such session");
  }
  return found;
}

absl::StatusOr<RefreshedSession> SessionManager::Refresh(
    absl::string_view project_id, absl::string_view refresh_token,
    const identity::v1::ProjectConfig& config,
    const RefreshAdmission& admit) const {
  absl::StatusOr<storage::SessionWithUser> found_with_user =
      FindWithUser(project_id, refresh_token);
  if (!found_with_user.ok()) {
    return found_with_user.status().code() == absl::StatusCode::kNotFound
               ? NotFoundOrExpired()
               : found_with_user.status();
  }
  // Every answer below is a session of this family, so of this user.
  storage::UserView& user = found_with_user->user;
  storage::SessionRecord& found = found_with_user->session;
  const absl::Time now = clock_.Now();
  if (Expired(found, now)) return NotFoundOrExpired();
  if (admit) {
    if (absl::Status admitted = admit(found); !admitted.ok()) return admitted;
  }

  if (found.rotated_at.has_value()) {
    // A replaced token came back: a concurrent refresh (fine, within the
    // grace window) or a stolen token being replayed (revoke everything).
    if (now - *found.rotated_at <=
        absl::Seconds(config.refresh_token_reuse_grace_seconds())) {
      return LiveSuccessor(found, refresh_token, config, std::move(user));
    }
    absl::Status revoked = database_.Run([&](storage::Repositories& repos) {
      return repos.sessions()
          .DeleteFamily(found.project_id, found.rotation_family_id)
          .status();
    });
    if (!revoked.ok()) return revoked;
    return NotFoundOrExpired();
  }

  if (!config.refresh_token_rotation()) {
    if (!found.last_used_at.has_value() ||
        now - *found.last_used_at >= kTouchInterval) {
      absl::Status touched = database_.Run([&](storage::Repositories& repos) {
        return repos.sessions().Touch(found.project_id, found.id, now);
      });
      if (!touched.ok() && touched.code() != absl::StatusCode::kNotFound) {
        return touched;
      }
      if (touched.code() == absl::StatusCode::kNotFound) {
        return NotFoundOrExpired();  // revoked meanwhile
      }
      found.last_used_at = now;
    }
    return RefreshedSession{std::move(found), std::nullopt, std::move(user)};
  }

  // Rotation: the successor replaces this token. Every concurrent refresher
  // derives the same successor; the Rotate update decides which of them
  // writes it.
  absl::StatusOr<std::string> token = successors_.Successor(Std(refresh_token));
  if (!token.ok()) return token.status();
  absl::StatusOr<std::string> id = crypto::RandomUuidV4();
  if (!id.ok()) return id.status();
  storage::SessionRecord next = found;
  next.id = *id;
  next.refresh_token_hash = crypto::HashToken(*token);
  next.rotation_counter = found.rotation_counter + 1;
  next.created_at = now;
  next.last_used_at = now;
  next.rotated_at.reset();
  // Set when this refresh lost the race: the token was rotated by another
  // one between our read and our update (ABORTED from Rotate), or its
  // successor row appeared first (ALREADY_EXISTS on the hash or counter).
  bool lost = false;
  absl::Status rotated =
      database_.RunInTransaction([&](storage::Repositories& repos) {
        absl::Status status =
            repos.sessions().Rotate(found.project_id, found.id, next, now);
        lost = (status.code() == absl::StatusCode::kAborted &&
                !storage::IsRetryableConflict(status)) ||
               status.code() == absl::StatusCode::kAlreadyExists;
        return status;
      });
  if (rotated.ok()) {
    return RefreshedSession{std::move(next), *std::move(token),
                            std::move(user)};
  }
  if (lost) {
    return LiveSuccessor(found, refresh_token, config, std::move(user));
  }
  if (rotated.code() == absl::StatusCode::kNotFound) return NotFoundOrExpired();
  return rotated;
}

absl::StatusOr<RefreshedSession> SessionManager::LiveSuccessor(
    const storage::SessionRecord& rotated, absl::string_view refresh_token,
    const identity::v1::ProjectConfig& config, storage::UserView user) const {
  // Each step finds the row of the successor of `token`: live, it is the
  // answer; rotated too (within the same window, as it was created by the
  // rotation being forgiven), its own successor is next.
  std::string token(refresh_token);
  for (int step = 0; step < kMaxSuccessorSteps; ++step) {
    absl::StatusOr<std::vector<std::string>> candidates =
        successors_.Candidates(token);
    if (!candidates.ok()) return candidates.status();
    std::optional<storage::SessionRecord> successor;
    for (std::string& candidate : *candidates) {
      absl::StatusOr<storage::SessionRecord> session =
          FindByToken(rotated.project_id, candidate);
      if (session.status().code() == absl::StatusCode::kNotFound) continue;
      if (!session.ok()) return session.status();
      successor = *std::move(session);
      token = std::move(candidate);
      break;
    }
    if (!successor.has_value() ||
        successor->rotation_family_id != rotated.rotation_family_id ||
        Expired(*successor, clock_.Now())) {
      return NotFoundOrExpired();
    }
    if (!successor->rotated_at.has_value()) {
      std::optional<std::string> next;
      if (config.refresh_token_rotation()) next = std::move(token);
      return RefreshedSession{*std::move(successor), std::move(next),
                              std::move(user)};
    }
  }
  return NotFoundOrExpired();
}

}  // namespace latchkey::service::core
