#ifndef STORAGE_USER_CURSOR_H_
#define STORAGE_USER_CURSOR_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace latchkey::storage {

// A position in the list of a project's users ordered by (signed_up_at,
// id): the last user a page returned. Keyset pagination, so a cursor stays
// valid and exact while users are inserted or deleted around it.
struct UserCursor {
  absl::Time signed_up_at;
  std::string user_id;
  bool descending = false;  // The order the cursor was made for.
};

// An opaque, URL-safe token for `cursor`.
std::string EncodeUserCursor(const UserCursor& cursor);

// The cursor a token encodes; INVALID_ARGUMENT for anything
// EncodeUserCursor did not produce.
absl::StatusOr<UserCursor> DecodeUserCursor(std::string_view token);

}  // namespace latchkey::storage

#endif  // STORAGE_USER_CURSOR_H_
