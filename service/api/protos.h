#ifndef SERVICE_API_PROTOS_H_
#define SERVICE_API_PROTOS_H_

#include "absl/status/statusor.h"
#include "identity/v1/common.pb.h"
#include "identity/v1/project.pb.h"
#include "service/core/user_details.h"
#include "storage/records.h"

namespace latchkey::service::api {

// Storage records as the contract's messages. Server-only fields are always
// filled: the dispatcher clears them for client callers.

// A team. INTERNAL when stored metadata is not JSON.
absl::StatusOr<identity::v1::Team> TeamToProto(const storage::TeamRecord& team);

// A user, from the details a core use case has read (the user with its
// OAuth accounts and selected team).
absl::StatusOr<identity::v1::User> UserToProto(
    const core::UserDetails& details,
    const identity::v1::ProjectConfig& config);

// A session.
identity::v1::Session SessionToProto(const storage::SessionRecord& session,
                                     bool is_current);

// Milliseconds since the epoch, as the contract's *_millis fields carry.
int64_t Millis(absl::Time time);

}  // namespace latchkey::service::api

#endif  // SERVICE_API_PROTOS_H_
