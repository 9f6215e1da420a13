#ifndef CRYPTO_WEBAUTHN_TEST_AUTHENTICATOR_H_
#define CRYPTO_WEBAUTHN_TEST_AUTHENTICATOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace latchkey::crypto {

// Tests only: a software WebAuthn authenticator with one ES256 credential,
// answering ceremonies as a browser would report them (clientDataJSON,
// attestation object with fmt "none", authenticator data, DER signatures),
// all as raw bytes. Each assertion moves the counter up by one unless told
// otherwise. Not thread-safe.
class TestAuthenticator {
 public:
  TestAuthenticator();
  ~TestAuthenticator();
  TestAuthenticator(TestAuthenticator&&) noexcept;
  TestAuthenticator& operator=(TestAuthenticator&&) noexcept;

  // The credential id, raw (16 random bytes).
  const std::string& credential_id() const { return credential_id_; }

  struct Registration {
    std::string client_data_json;
    std::string attestation_object;
  };
  // `challenge` is the base64url string from the options.
  Registration Register(absl::string_view origin, absl::string_view rp_id,
                        absl::string_view challenge,
                        uint8_t flags = 0x45 /* UP | UV | AT */);

  struct Assertion {
    std::string client_data_json;
    std::string authenticator_data;
    std::string signature;
  };
  Assertion Assert(absl::string_view origin, absl::string_view rp_id,
                   absl::string_view challenge,
                   uint8_t flags = 0x05 /* UP | UV */);

  // The counter the next assertion reports (after adding one).
  void set_sign_count(uint32_t count) { sign_count_ = count; }

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string credential_id_;
  uint32_t sign_count_ = 0;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_WEBAUTHN_TEST_AUTHENTICATOR_H_
