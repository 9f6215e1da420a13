#ifndef CRYPTO_SECRET_BOX_H_
#define CRYPTO_SECRET_BOX_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace latchkey::crypto {

// Authenticated encryption for secrets at rest (TOTP secrets, OAuth provider
// tokens): AES-256-GCM under a key derived from the server secret and a
// purpose label, so one leaked purpose key opens nothing else and the same
// secret never encrypts two kinds of data under one key.
//
//   key    = HKDF-SHA256(ikm = server secret as written,
//                        salt = "latchkey-secret-box-v1", info = purpose)
//   sealed = "v1." + base64url(nonce[12] || ciphertext || tag[16])
//
// The nonce is random per message (safe up to about 2^32 messages per key).
// Callers may bind a ciphertext to its row by passing associated data (e.g.
// "user:<id>"), which is authenticated but not stored.
//
// Immutable and thread-safe. Keys are wiped on destruction.
class SecretBox {
 public:
  // INVALID_ARGUMENT if a server secret fails ValidateServerSecret
  // (signing_keys.h) or the purpose is empty; INTERNAL if HKDF fails. With a
  // previous secret, Open also accepts boxes sealed under it (rotation).
  static absl::StatusOr<SecretBox> Create(
      std::string_view server_secret, std::string_view purpose,
      std::optional<std::string_view> previous_server_secret = std::nullopt);

  SecretBox(SecretBox&& other) noexcept;
  SecretBox& operator=(SecretBox&&) = delete;
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;
  ~SecretBox();

  // Encrypts under the current key. INVALID_ARGUMENT for plaintexts over
  // 1 MiB; INTERNAL if OpenSSL or the CSPRNG fails.
  absl::StatusOr<std::string> Seal(std::string_view plaintext,
                                   std::string_view associated_data = "") const;

  struct Opened {
    std::string plaintext;
    // True if the previous secret's key opened it: re-seal and store.
    bool needs_reseal = false;
  };

  // Decrypts and authenticates. INVALID_ARGUMENT if the text is not a
  // well-formed "v1." box (wrong prefix or version, bad base64url, shorter
  // than nonce + tag); DATA_LOSS if no key authenticates it (tampered,
  // truncated inside the ciphertext, other purpose, other secret, or other
  // associated data); INTERNAL if OpenSSL fails.
  absl::StatusOr<Opened> Open(std::string_view sealed,
                              std::string_view associated_data = "") const;

 private:
  using Key = std::array<uint8_t, 32>;
  SecretBox() = default;

  Key current_{};
  std::optional<Key> previous_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_SECRET_BOX_H_
