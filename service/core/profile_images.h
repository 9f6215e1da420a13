#ifndef SERVICE_CORE_PROFILE_IMAGES_H_
#define SERVICE_CORE_PROFILE_IMAGES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/core/image_urls.h"
#include "storage/database.h"

namespace latchkey::service::core {

// Serves the images users, teams and team members were given as data URLs
// (see image_urls.h for the URL shape). Anyone may fetch one: a profile
// image is public, as Stack's uploaded copies are; the content digest in
// the URL keeps an image from being found without its owner's object.
// Thread-safe.
class ProfileImages {
 public:
  explicit ProfileImages(storage::Database& database) : database_(database) {}

  // The image `kind` (kUserImage, kTeamImage or kTeamMemberImage) `owner`
  // holds now, when `digest` names it. PROFILE_IMAGE_NOT_FOUND otherwise
  // (no such project, owner or image, a replaced image, an ordinary URL).
  absl::StatusOr<ServedImage> Get(const std::string& project_id,
                                  absl::string_view kind,
                                  const std::string& owner,
                                  absl::string_view digest) const;

 private:
  storage::Database& database_;
};

}  // namespace latchkey::service::core

#endif  // SERVICE_CORE_PROFILE_IMAGES_H_
