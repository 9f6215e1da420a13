#ifndef CRYPTO_APP_API_KEY_H_
#define CRYPTO_APP_API_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// User and team API keys in the format Stack Auth's SDKs and tools parse:
//
//   <sk|pk>_<45 random chars><key id, 32 hex><user|team><flag>574ck4u7h<crc>
//
// "pk" and flag "3" mark a public key, "sk" and flag "1" a secret one (the
// flag's bit 0 says self-hosted, bit 1 public); crc is the CRC-32 (zlib) of
// everything before it as 8 lower-case hex digits. The random part is
// Crockford base32 (225 bits), the id the key's UUID without dashes.
// Pure functions, thread-safe.

enum class AppApiKeyType { kUser, kTeam };

std::string_view AppApiKeyTypeName(AppApiKeyType type);  // "user" / "team"

// A fresh key for the key with this id (a UUID). INTERNAL when the id is not
// a UUID or the system's random source fails.
absl::StatusOr<std::string> NewAppApiKey(std::string_view key_id,
                                         AppApiKeyType type, bool is_public);

struct ParsedAppApiKey {
  std::string key_id;  // The UUID, with dashes.
  AppApiKeyType type = AppApiKeyType::kUser;
  bool is_public = false;
};

// Reads a key's parts and checks its checksum. INVALID_ARGUMENT (the reason,
// never the key) for anything that is not a well-formed key.
absl::StatusOr<ParsedAppApiKey> ParseAppApiKey(std::string_view key);

}  // namespace latchkey::crypto

#endif  // CRYPTO_APP_API_KEY_H_
