#include "crypto/webauthn_test_authenticator.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "crypto/hashing.h"

namespace latchkey::crypto {
namespace {

std::string BigEndian(uint64_t value, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

// A CBOR head (RFC 8949) for lengths below 65536.
std::string Head(int major, size_t n) {
  const char m = static_cast<char>(major << 5);
  if (n < 24) return std::string(1, static_cast<char>(m | n));
  if (n < 256)
    return std::string(1, static_cast<char>(m | 24)) + BigEndian(n, 1);
  return std::string(1, static_cast<char>(m | 25)) + BigEndian(n, 2);
}
std::string Text(absl::string_view s) {
  return absl::StrCat(Head(3, s.size()), s);
}
std::string Bytes(absl::string_view s) {
  return absl::StrCat(Head(2, s.size()), s);
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "TestAuthenticator: %s failed\n", what);
  std::abort();
}

std::string ClientData(absl::string_view type, absl::string_view challenge,
                       absl::string_view origin) {
  return absl::StrCat(R"({"type":")", type, R"(","challenge":")", challenge,
                      R"(","origin":")", origin, R"(","crossOrigin":false})");
}

}  // namespace

struct TestAuthenticator::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TestAuthenticator::TestAuthenticator() : key_(std::make_unique<Key>()) {
  key_->pkey = EVP_EC_gen("P-256");
  if (key_->pkey == nullptr) Fail("key generation");
  credential_id_.resize(16);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(credential_id_.data()), 16) !=
      1) {
    Fail("random credential id");
  }
}

TestAuthenticator::~TestAuthenticator() = default;
TestAuthenticator::TestAuthenticator(TestAuthenticator&&) noexcept = default;
TestAuthenticator& TestAuthenticator::operator=(TestAuthenticator&&) noexcept =
    default;

TestAuthenticator::Registration TestAuthenticator::Register(
    absl::string_view origin, absl::string_view rp_id,
    absl::string_view challenge, uint8_t flags) {
  unsigned char point[65];
  size_t point_length = 0;
  if (EVP_PKEY_get_octet_string_param(key_->pkey, OSSL_PKEY_PARAM_PUB_KEY,
                                      point, sizeof(point),
                                      &point_length) != 1 ||
      point_length != 65) {
    Fail("public key export");
  }
  const std::string x(reinterpret_cast<char*>(point) + 1, 32);
  const std::string y(reinterpret_cast<char*>(point) + 33, 32);
  // {1: 2, 3: -7, -1: 1, -2: x, -3: y}
  const std::string cose =
      absl::StrCat(std::string("\xa5\x01\x02\x03\x26\x20\x01\x21", 8), Bytes(x),
                   "\x22", Bytes(y));
  const std::string auth_data =
      absl::StrCat(Sha256(std::string_view(rp_id.data(), rp_id.size())),
                   std::string(1, static_cast<char>(flags)),
                   BigEndian(sign_count_, 4), std::string(16, '\0'),
                   BigEndian(credential_id_.size(), 2), credential_id_, cose);
  Registration out;
  out.client_data_json = ClientData("webauthn.create", challenge, origin);
  out.attestation_object =
      absl::StrCat(Head(5, 3), Text("fmt"), Text("none"), Text("attStmt"),
                   Head(5, 0), Text("authData"), Bytes(auth_data));
  return out;
}

TestAuthenticator::Assertion TestAuthenticator::Assert(
    absl::string_view origin, absl::string_view rp_id,
    absl::string_view challenge, uint8_t flags) {
  ++sign_count_;
  Assertion out;
  out.client_data_json = ClientData("webauthn.get", challenge, origin);
  out.authenticator_data = absl::StrCat(
      Sha256(std::string_view(rp_id.data(), rp_id.size())),
      std::string(1, static_cast<char>(flags)), BigEndian(sign_count_, 4));
  const std::string message =
      absl::StrCat(out.authenticator_data, Sha256(out.client_data_json));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) !=
          1 ||
      EVP_DigestSign(ctx, nullptr, &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    Fail("signing");
  }
  out.signature.resize(length);
  if (EVP_DigestSign(
          ctx, reinterpret_cast<unsigned char*>(out.signature.data()), &length,
          reinterpret_cast<const unsigned char*>(message.data()),
          message.size()) != 1) {
    Fail("signing");
  }
  out.signature.resize(length);
  EVP_MD_CTX_free(ctx);
  return out;
}

}  // namespace latchkey::crypto
