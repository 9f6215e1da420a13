// libFuzzer target: pagination cursors (storage/user_cursor.h), which come
// back from clients as opaque tokens. Properties: a token that decodes is
// exactly the token its cursor encodes to (no two tokens for one position,
// nothing accepted that we could not have produced); and any cursor made
// from the bytes encodes to a token that decodes to it again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "storage/user_cursor.h"

using latchkey::storage::DecodeUserCursor;
using latchkey::storage::EncodeUserCursor;
using latchkey::storage::UserCursor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<UserCursor> decoded = DecodeUserCursor(token);
  if (decoded.ok()) {
    if (EncodeUserCursor(*decoded) != token) std::abort();
  } else if (decoded.status().code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }

  // The other direction: a cursor from the bytes (8 bytes of microseconds,
  // one of order, the rest the user id).
  if (size < 9) return 0;
  int64_t micros;
  std::memcpy(&micros, data, sizeof(micros));
  UserCursor cursor;
  cursor.signed_up_at = absl::FromUnixMicros(micros);
  cursor.descending = (data[8] & 1) != 0;
  cursor.user_id.assign(reinterpret_cast<const char*>(data + 9), size - 9);
  const std::string encoded = EncodeUserCursor(cursor);
  absl::StatusOr<UserCursor> back = DecodeUserCursor(encoded);
  // Cursors the service makes carry real ids and times; one it could not
  // make may be refused, but one that decodes must be the same cursor.
  if (back.ok() && (back->signed_up_at != cursor.signed_up_at ||
                    back->descending != cursor.descending ||
                    back->user_id != cursor.user_id)) {
    std::abort();
  }
  return 0;
}
