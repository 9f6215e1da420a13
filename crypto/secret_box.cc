#include "crypto/secret_box.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/signing_keys.h"

namespace latchkey::crypto {
namespace {

constexpr char kPrefix[] = "v1.";
constexpr char kSalt[] = "latchkey-secret-box-v1";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxPlaintextBytes = 1 << 20;

struct KdfFree {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

absl::Status OpenSslError(const char* what) {
  ERR_clear_error();
  return absl::InternalError(std::string(what) + " failed in OpenSSL");
}

absl::StatusOr<std::array<uint8_t, 32>> DeriveKey(std::string_view secret,
                                                  std::string_view purpose) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(
      EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) return OpenSslError("EVP_KDF_fetch(HKDF)");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return OpenSslError("EVP_KDF_CTX_new");
  // OSSL_PARAM wants non-const pointers; nothing writes through them.
  std::string ikm(secret), info(purpose), salt(kSalt);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(),
                                        salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  std::array<uint8_t, 32> key{};
  const int rc = EVP_KDF_derive(ctx.get(), key.data(), key.size(), params);
  OPENSSL_cleanse(ikm.data(), ikm.size());
  if (rc != 1) return OpenSslError("HKDF");
  return key;
}

// AES-256-GCM decryption of nonce || ciphertext || tag. Returns nullopt when
// authentication fails, a status when OpenSSL itself fails.
absl::StatusOr<std::optional<std::string>> Decrypt(
    const std::array<uint8_t, 32>& key, std::string_view box,
    std::string_view aad) {
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  std::string_view ciphertext =
      box.substr(kNonceBytes, box.size() - kNonceBytes - kTagBytes);
  std::string tag(box.substr(box.size() - kTagBytes));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string plaintext(ciphertext.size(), '\0');
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                         nonce) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                         reinterpret_cast<const unsigned char*>(aad.data()),
                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(
          ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &len,
          reinterpret_cast<const unsigned char*>(ciphertext.data()),
          static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          tag.data()) != 1) {
    return OpenSslError("AES-GCM decrypt");
  }
  int final_len = 0;
  // The tag is checked here; 0 means the box is not authentic.
  if (EVP_DecryptFinal_ex(
          ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + len,
          &final_len) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::optional<std::string>();
  }
  plaintext.resize(static_cast<size_t>(len + final_len));
  return std::optional<std::string>(std::move(plaintext));
}

}  // namespace

absl::StatusOr<SecretBox> SecretBox::Create(
    std::string_view server_secret, std::string_view purpose,
    std::optional<std::string_view> previous_server_secret) {
  LATCHKEY_RETURN_IF_ERROR(ValidateServerSecret(server_secret));
  if (purpose.empty()) {
    return absl::InvalidArgumentError("secret box purpose must not be empty");
  }
  SecretBox box;
  LATCHKEY_ASSIGN_OR_RETURN(box.current_, DeriveKey(server_secret, purpose));
  if (previous_server_secret.has_value()) {
    LATCHKEY_RETURN_IF_ERROR(ValidateServerSecret(*previous_server_secret));
    LATCHKEY_ASSIGN_OR_RETURN(box.previous_,
                              DeriveKey(*previous_server_secret, purpose));
  }
  return box;
}

SecretBox::SecretBox(SecretBox&& other) noexcept
    : current_(other.current_), previous_(other.previous_) {
  OPENSSL_cleanse(other.current_.data(), other.current_.size());
  if (other.previous_.has_value()) {
    OPENSSL_cleanse(other.previous_->data(), other.previous_->size());
  }
}

SecretBox::~SecretBox() {
  OPENSSL_cleanse(current_.data(), current_.size());
  if (previous_.has_value()) {
    OPENSSL_cleanse(previous_->data(), previous_->size());
  }
}

absl::StatusOr<std::string> SecretBox::Seal(
    std::string_view plaintext, std::string_view associated_data) const {
  if (plaintext.size() > kMaxPlaintextBytes) {
    return absl::InvalidArgumentError("secret box plaintext over 1 MiB");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::string box, RandomBytes(kNonceBytes));
  box.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* out = reinterpret_cast<unsigned char*>(box.data());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0, final_len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, current_.data(),
                         out) != 1 ||
      (!associated_data.empty() &&
       EVP_EncryptUpdate(
           ctx.get(), nullptr, &len,
           reinterpret_cast<const unsigned char*>(associated_data.data()),
           static_cast<int>(associated_data.size())) != 1) ||
      EVP_EncryptUpdate(
          ctx.get(), out + kNonceBytes, &len,
          reinterpret_cast<const unsigned char*>(plaintext.data()),
          static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + kNonceBytes + len, &final_len) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kNonceBytes + plaintext.size()) != 1) {
    return OpenSslError("AES-GCM encrypt");
  }
  return kPrefix + Base64UrlEncode(box);
}

absl::StatusOr<SecretBox::Opened> SecretBox::Open(
    std::string_view sealed, std::string_view associated_data) const {
  if (sealed.substr(0, sizeof(kPrefix) - 1) != kPrefix) {
    return absl::InvalidArgumentError("not a v1 secret box");
  }
  auto box = Base64UrlDecode(sealed.substr(sizeof(kPrefix) - 1));
  if (!box.ok()) {
    return absl::InvalidArgumentError("secret box is not base64url");
  }
  if (box->size() < kNonceBytes + kTagBytes ||
      box->size() > kNonceBytes + kMaxPlaintextBytes + kTagBytes) {
    return absl::InvalidArgumentError("secret box has an impossible length");
  }
  LATCHKEY_ASSIGN_OR_RETURN(std::optional<std::string> plaintext,
                            Decrypt(current_, *box, associated_data));
  if (plaintext.has_value()) return Opened{*std::move(plaintext), false};
  if (previous_.has_value()) {
    LATCHKEY_ASSIGN_OR_RETURN(plaintext,
                              Decrypt(*previous_, *box, associated_data));
    if (plaintext.has_value()) return Opened{*std::move(plaintext), true};
  }
  return absl::DataLossError("secret box failed authentication");
}

}  // namespace latchkey::crypto
