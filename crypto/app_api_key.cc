#include "crypto/app_api_key.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/string_views.h"
#include "crypto/random.h"

namespace latchkey::crypto {
namespace {

// The marker Stack's tools look for to recognise a key in any text.
constexpr std::string_view kMarker = "574ck4u7h";
constexpr size_t kSecretLength = kRandomTokenLength;  // 45
constexpr size_t kIdLength = 32;
constexpr size_t kTypeLength = 4;
constexpr size_t kChecksumLength = 8;
// prefix(2) + "_" + secret + id + type + flag(1) + marker + checksum.
constexpr size_t kKeyLength = 3 + kSecretLength + kIdLength + kTypeLength + 1 +
                              kMarker.size() + kChecksumLength;

std::string Crc32Hex(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()),
              static_cast<uInt>(data.size()));
  return absl::StrFormat("%08x", static_cast<uint32_t>(crc));
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsCrockfordLower(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghjkmnpqrstvwxyz";
  for (char c : text) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::string_view AppApiKeyTypeName(AppApiKeyType type) {
  return type == AppApiKeyType::kUser ? "user" : "team";
}

absl::StatusOr<std::string> NewAppApiKey(std::string_view key_id,
                                         AppApiKeyType type, bool is_public) {
  if (!IsUuid(key_id)) {
    return absl::InternalError("an API key's id must be a UUID");
  }
  std::string id = absl::AsciiStrToLower(common::Absl(key_id));
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  LATCHKEY_ASSIGN_OR_RETURN(std::string secret, RandomToken());
  const std::string body =
      absl::StrCat(is_public ? "pk_" : "sk_", secret, id,
                   common::Absl(AppApiKeyTypeName(type)), is_public ? "3" : "1",
                   common::Absl(kMarker));
  return absl::StrCat(body, Crc32Hex(body));
}

absl::StatusOr<ParsedAppApiKey> ParseAppApiKey(std::string_view key) {
  if (key.size() != kKeyLength) {
    return absl::InvalidArgumentError("not an API key: wrong length");
  }
  const std::string_view prefix = key.substr(0, 3);
  if (prefix != "sk_" && prefix != "pk_") {
    return absl::InvalidArgumentError("not an API key: unknown prefix");
  }
  size_t at = 3;
  const std::string_view secret = key.substr(at, kSecretLength);
  at += kSecretLength;
  const std::string_view id = key.substr(at, kIdLength);
  at += kIdLength;
  const std::string_view type = key.substr(at, kTypeLength);
  at += kTypeLength;
  const char flag = key[at++];
  const std::string_view marker = key.substr(at, kMarker.size());
  at += kMarker.size();
  const std::string_view checksum = key.substr(at);
  if (!IsCrockfordLower(secret) || !IsLowerHex(id) || marker != kMarker ||
      !IsLowerHex(checksum)) {
    return absl::InvalidArgumentError("not an API key: malformed");
  }
  if (Crc32Hex(key.substr(0, key.size() - kChecksumLength)) != checksum) {
    return absl::InvalidArgumentError("not an API key: wrong checksum");
  }
  ParsedAppApiKey parsed;
  if (type == "user") {
    parsed.type = AppApiKeyType::kUser;
  } else if (type == "team") {
    parsed.type = AppApiKeyType::kTeam;
  } else {
    return absl::InvalidArgumentError("not an API key: unknown type");
  }
  parsed.is_public = prefix == "pk_";
  // The flag must agree with the prefix (bit 1 public); bit 0 (self-hosted)
  // may be either, so keys issued by a hosted deployment parse too.
  const int flag_value = flag >= '0' && flag <= '3' ? flag - '0' : -1;
  if (flag_value < 0 || ((flag_value & 2) != 0) != parsed.is_public) {
    return absl::InvalidArgumentError("not an API key: flag and prefix differ");
  }
  const absl::string_view hex = common::Absl(id);
  parsed.key_id = absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-",
                               hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                               hex.substr(20));
  return parsed;
}

}  // namespace latchkey::crypto
