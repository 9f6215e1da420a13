#ifndef CRYPTO_JWS_TEST_SIGNER_H_
#define CRYPTO_JWS_TEST_SIGNER_H_

#include <memory>
#include <string>

#include "nlohmann/json.hpp"

namespace latchkey::crypto {

// Tests only: a fresh key pair that signs JWS compact tokens the way an
// OpenID provider does, for RS256/384/512, PS256, ES256 or EdDSA, with its
// public JWK. Lets tests outside crypto/ stand in for a provider without
// touching OpenSSL themselves.
class TestJwsSigner {
 public:
  // Aborts on an unknown alg or an OpenSSL failure (a test bug).
  TestJwsSigner(const std::string& alg, const std::string& kid);
  ~TestJwsSigner();
  TestJwsSigner(const TestJwsSigner&) = delete;
  TestJwsSigner& operator=(const TestJwsSigner&) = delete;

  const std::string& alg() const { return alg_; }
  // The public key as a JWK, with kid.
  const nlohmann::json& jwk() const { return jwk_; }
  // {"keys":[jwk()]}.
  nlohmann::json jwks() const;

  // Signs `claims` under `header` as given (set alg and kid yourself, or
  // use Sign(claims) for {"alg":alg(),"kid":kid}).
  std::string Sign(const nlohmann::json& header,
                   const nlohmann::json& claims) const;
  std::string Sign(const nlohmann::json& claims) const;

 private:
  struct Key;
  std::string alg_;
  std::string kid_;
  nlohmann::json jwk_;
  std::unique_ptr<Key> key_;
};

}  // namespace latchkey::crypto

#endif  // CRYPTO_JWS_TEST_SIGNER_H_
