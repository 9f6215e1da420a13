#include "service/core/profile_images.h"

#include <optional>
#include <utility>

#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// The stored value `kind`/`owner` shows, or nullopt when there is none.
absl::StatusOr<std::optional<std::string>> StoredValue(
    storage::Repositories& repos, const std::string& project_id,
    absl::string_view kind, const std::string& owner) {
  const auto user_image = [&](const std::string& user_id)
      -> absl::StatusOr<std::optional<std::string>> {
    absl::StatusOr<storage::UserView> user =
        repos.users().Get(project_id, user_id);
    if (absl::IsNotFound(user.status())) return std::nullopt;
    LATCHKEY_RETURN_IF_ERROR(user.status());
    return user->user.profile_image_url;
  };
  if (kind == kUserImage) return user_image(owner);
  if (kind == kTeamImage) {
    absl::StatusOr<storage::TeamRecord> team =
        repos.teams().Get(project_id, owner);
    if (absl::IsNotFound(team.status())) return std::nullopt;
    LATCHKEY_RETURN_IF_ERROR(team.status());
    return team->profile_image_url;
  }
  if (kind == kTeamMemberImage) {
    std::pair<std::string, std::string> ids = absl::StrSplit(owner, ':');
    absl::StatusOr<storage::TeamMemberRecord> member =
        repos.teams().GetMember(project_id, ids.first, ids.second);
    if (absl::IsNotFound(member.status())) return std::nullopt;
    LATCHKEY_RETURN_IF_ERROR(member.status());
    // A member without an image of their own shows their user's, as the
    // team member profile does.
    if (member->profile_image_url.has_value()) {
      return member->profile_image_url;
    }
    return user_image(ids.second);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<ServedImage> ProfileImages::Get(const std::string& project_id,
                                               absl::string_view kind,
                                               const std::string& owner,
                                               absl::string_view digest) const {
  const auto not_found = [] {
    return ApiError(identity::v1::PROFILE_IMAGE_NOT_FOUND);
  };
  if (kind != kUserImage && kind != kTeamImage && kind != kTeamMemberImage) {
    return not_found();
  }
  std::optional<std::string> stored;
  LATCHKEY_RETURN_IF_ERROR(
      database_.Run([&](storage::Repositories& repos) -> absl::Status {
        LATCHKEY_ASSIGN_OR_RETURN(stored,
                                  StoredValue(repos, project_id, kind, owner));
        return absl::OkStatus();
      }));
  if (!stored.has_value()) return not_found();
  absl::StatusOr<ServedImage> image = ImageToServe(*stored, digest);
  if (!image.ok()) return not_found();
  return image;
}

}  // namespace latchkey::service::core
