#include "crypto/hashing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "crypto/encoding.h"

namespace latchkey::crypto {
namespace {

// SHA-256 fetched from the provider once. EVP_sha256() leaves the lookup to
// every EVP_Digest call (OpenSSL 3's implicit fetch: a lock and a search of
// the method store, about half the cost of hashing an access token). Never
// freed: it lives as long as the process.
const EVP_MD* Sha256Method() {
  static const EVP_MD* const method = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // a broken OpenSSL installation
    return fetched;
  }();
  return method;
}

absl::StatusOr<std::string> Hmac(const EVP_MD* md, std::string_view key,
                                 std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  // An empty key is legal in HMAC but OpenSSL wants a non-null pointer.
  static const unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           out, &out_len) == nullptr) {
    return absl::InternalError("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace

std::array<unsigned char, kSha256Size> Sha256Digest(std::string_view data) {
  static_assert(kSha256Size == SHA256_DIGEST_LENGTH);
  std::array<unsigned char, kSha256Size> out;
  unsigned int out_len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &out_len, Sha256Method(),
                 nullptr) != 1 ||
      out_len != kSha256Size) {
    // Only a broken OpenSSL gets here; a wrong digest would be worse.
    std::abort();
  }
  return out;
}

std::string Sha256(std::string_view data) {
  const std::array<unsigned char, kSha256Size> digest = Sha256Digest(data);
  return std::string(reinterpret_cast<const char*>(digest.data()),
                     digest.size());
}

std::string Sha256Hex(std::string_view data) {
  // Hex of the digest on the stack: one allocation, for the result.
  const std::array<unsigned char, kSha256Size> digest = Sha256Digest(data);
  return HexEncode(std::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string HashToken(std::string_view token) { return Sha256Hex(token); }

absl::StatusOr<std::string> HmacSha1(std::string_view key,
                                     std::string_view data) {
  return Hmac(EVP_sha1(), key, data);
}

absl::StatusOr<std::string> HmacSha256(std::string_view key,
                                       std::string_view data) {
  return Hmac(Sha256Method(), key, data);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace latchkey::crypto
