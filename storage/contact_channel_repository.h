#ifndef STORAGE_CONTACT_CHANNEL_REPOSITORY_H_
#define STORAGE_CONTACT_CHANNEL_REPOSITORY_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/records.h"
#include "storage/sql.h"

namespace latchkey::storage {

// Users' contact channels (emails). A value is unique per project among
// channels used for sign-in (contact_channels_auth_unique), which is what
// makes concurrent sign-ups with one email resolve to a single winner.
// Bound to one connection for one Database callback; not thread-safe.
class ContactChannelRepository {
 public:
  explicit ContactChannelRepository(SqlExecutor& executor) : ex_(executor) {}

  // Inserts `channel`. Returns NOT_FOUND when its user is not in its
  // project; ALREADY_EXISTS naming contact_channels_auth_unique (value
  // taken for sign-in), contact_channels_user_value_unique (the user has
  // it already), contact_channels_primary_unique (a second primary) or
  // contact_channels_pkey.
  absl::Status Create(const ContactChannelRecord& channel);

  // The channel, or NOT_FOUND.
  absl::StatusOr<ContactChannelRecord> Get(std::string_view project_id,
                                           std::string_view channel_id);

  // The user's channels, primary first, then oldest first.
  absl::StatusOr<std::vector<ContactChannelRecord>> ListForUser(
      std::string_view project_id, std::string_view user_id);

  // Every channel in the project, oldest first.
  absl::StatusOr<std::vector<ContactChannelRecord>> ListForProject(
      std::string_view project_id);

  // The channel used for sign-in with this value, or NOT_FOUND.
  absl::StatusOr<ContactChannelRecord> FindAuthChannel(
      std::string_view project_id, std::string_view type,
      std::string_view value);

  // Every channel in the project with this value (used for sign-in or not).
  absl::StatusOr<std::vector<ContactChannelRecord>> ListByValue(
      std::string_view project_id, std::string_view type,
      std::string_view value);

  // Overwrites value, is_primary, is_verified and used_for_auth. Returns
  // NOT_FOUND or the ALREADY_EXISTS errors of Create.
  absl::Status Update(const ContactChannelRecord& channel);

  // Deletes the channel, or returns NOT_FOUND.
  absl::Status Delete(std::string_view project_id, std::string_view channel_id);

 private:
  SqlExecutor& ex_;
};

}  // namespace latchkey::storage

#endif  // STORAGE_CONTACT_CHANNEL_REPOSITORY_H_
