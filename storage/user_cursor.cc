#include "storage/user_cursor.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/string_views.h"
#include "storage/sql.h"

namespace latchkey::storage {
namespace {

// Versioned so the format can change without misreading old cursors.
constexpr absl::string_view kVersion = "u1";

absl::Status BadCursor() {
  return absl::InvalidArgumentError("malformed pagination cursor");
}

}  // namespace

std::string EncodeUserCursor(const UserCursor& cursor) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, ".", absl::ToUnixMicros(cursor.signed_up_at), ".",
                   cursor.descending ? "d" : "a", ".", cursor.user_id));
}

absl::StatusOr<UserCursor> DecodeUserCursor(std::string_view token) {
  std::string plain;
  if (token.empty() || token.size() > 512 ||
      !absl::WebSafeBase64Unescape(common::Absl(token), &plain)) {
    return BadCursor();
  }
  std::vector<std::string> parts =
      absl::StrSplit(plain, absl::MaxSplits('.', 3));
  int64_t micros = 0;
  if (parts.size() != 4 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &micros) ||
      (parts[2] != "a" && parts[2] != "d") || parts[3].empty()) {
    return BadCursor();
  }
  UserCursor cursor{absl::FromUnixMicros(micros), parts[3], parts[2] == "d"};
  // One token per position: the decoders above forgive padding, stray low
  // bits, signs and leading zeros, which EncodeUserCursor never writes.
  if (EncodeUserCursor(cursor) != token) return BadCursor();
  return cursor;
}

}  // namespace latchkey::storage
