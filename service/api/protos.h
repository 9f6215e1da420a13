#ifndef SERVICE_API_PROTOS_H_
#define SERVICE_API_PROTOS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "identity/v1/common.pb.h"
#include "identity/v1/project.pb.h"
#include "service/core/user_details.h"
#include "storage/records.h"

namespace latchkey::service::api {

// Storage records as the contract's messages. Server-only fields are always
// filled: the dispatcher clears them for client callers.

// Where a project's images given as data URLs are served (see
// core/image_urls.h): responses show that URL, not the data URL.
struct ImageLinks {
  std::string public_url;  // without a trailing slash
  std::string project_id;

  // What a response shows for a stored image of `kind` owned by `owner`.
  std::string Show(absl::string_view kind, absl::string_view owner,
                   absl::string_view stored) const;
};

// The links for `project_id` on a server whose public URL is `public_url`.
ImageLinks ImageLinksFor(absl::string_view public_url,
                         absl::string_view project_id);

// A team. INTERNAL when stored metadata is not JSON.
absl::StatusOr<identity::v1::Team> TeamToProto(const storage::TeamRecord& team,
                                               const ImageLinks& images);

// A user, from the details a core use case has read (the user with its
// OAuth accounts and selected team).
absl::StatusOr<identity::v1::User> UserToProto(
    const core::UserDetails& details, const identity::v1::ProjectConfig& config,
    const ImageLinks& images);

// A session.
identity::v1::Session SessionToProto(const storage::SessionRecord& session,
                                     bool is_current);

// Milliseconds since the epoch, as the contract's *_millis fields carry.
int64_t Millis(absl::Time time);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PROTOS_H_
