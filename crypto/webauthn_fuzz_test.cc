// Mutation fuzzing of the WebAuthn parsers (attestation object,
// authenticator data, COSE key, and through them the CBOR walk), bounded so
// that it runs in CI in a few seconds. Seeds are real virtual-authenticator
// output (testdata/webauthn/corpus, written by record_vectors.mjs). Each
// iteration mutates a seed and checks that every parser answers OK or
// INVALID_ARGUMENT, never anything else and never a crash (sanitizer builds
// catch memory errors).
//
// LATCHKEY_FUZZ_ITERATIONS and LATCHKEY_FUZZ_SEED override the defaults for
// longer local runs.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/testing/fuzzing.h"
#include "crypto/cose_key.h"
#include "crypto/webauthn_attestation.h"
#include "crypto/webauthn_authenticator_data.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

std::vector<std::string> LoadCorpus() {
  return common::testing::ReadFiles(
      common::testing::RunfilesPath("crypto/testdata/webauthn/corpus"));
}

// Bytes that are CBOR heads of interest: huge lengths, indefinite ones,
// tags, breaks, deep containers, negative integers.
constexpr uint8_t kInteresting[] = {
    0x00, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x3b, 0x40, 0x5b, 0x5f,
    0x60, 0x7b, 0x7f, 0x80, 0x81, 0x9b, 0x9f, 0xa0, 0xa1, 0xbb, 0xbf, 0xc0,
    0xd8, 0xf4, 0xf7, 0xf9, 0xfb, 0xff, 0x41, 0xc5, 0x45, 0x5d};

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> seeds)
      : rng_(seed), seeds_(std::move(seeds)) {}

  std::string Next() {
    std::string bytes = seeds_[Below(seeds_.size())];
    const int rounds = 1 + static_cast<int>(Below(4));
    for (int i = 0; i < rounds; ++i) bytes = MutateOnce(std::move(bytes));
    return bytes;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }

  std::string MutateOnce(std::string b) {
    if (b.empty()) return std::string(1, static_cast<char>(Below(256)));
    const size_t at = Below(b.size());
    switch (Below(7)) {
      case 0:  // flip a bit
        b[at] = static_cast<char>(b[at] ^ (1 << Below(8)));
        return b;
      case 1:  // an interesting byte
        b[at] = static_cast<char>(kInteresting[Below(sizeof(kInteresting))]);
        return b;
      case 2:  // truncate
        return b.substr(0, at);
      case 3:  // delete a run
        return b.erase(at, 1 + Below(8));
      case 4:  // insert bytes
        return b.insert(
            at, 1 + Below(4),
            static_cast<char>(kInteresting[Below(sizeof(kInteresting))]));
      case 5: {  // duplicate a slice (nesting, repeated keys)
        const size_t length = 1 + Below(std::min<size_t>(32, b.size() - at));
        return b.insert(at, b.substr(at, length));
      }
      default: {  // splice with another seed
        const std::string& other = seeds_[Below(seeds_.size())];
        return b.substr(0, at) + other.substr(std::min(at / 2, other.size()));
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> seeds_;
};

// OK or INVALID_ARGUMENT: anything else is an internal failure on input.
void ExpectClean(const absl::Status& status, absl::string_view what) {
  if (status.ok() || status.code() == absl::StatusCode::kInvalidArgument) {
    return;
  }
  ADD_FAILURE() << what << ": " << status;
}

void Exercise(absl::string_view bytes) {
  absl::StatusOr<AttestationObject> attestation = ParseAttestationObject(bytes);
  ExpectClean(attestation.status(), "attestation object");
  absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(bytes);
  ExpectClean(data.status(), "authenticator data");
  ExpectClean(CoseKey::Parse(bytes).status(), "COSE key");
  if (attestation.ok()) {
    data = ParseAuthenticatorData(attestation->auth_data);
    ExpectClean(data.status(), "attested authenticator data");
  }
  if (data.ok() && data->attested_credential.has_value()) {
    absl::StatusOr<CoseKey> key =
        CoseKey::Parse(data->attested_credential->public_key);
    ExpectClean(key.status(), "attested COSE key");
    if (key.ok()) {
      ExpectClean(key->Verify("message", bytes.substr(0, 64)), "verify");
    }
  }
}

TEST(WebAuthnFuzzTest, ParsersNeverFailInternally) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 6u);
  for (const std::string& seed : corpus) Exercise(seed);
  Mutator mutator(common::testing::EnvOr("LATCHKEY_FUZZ_SEED", 16),
                  std::vector<std::string>(corpus));
  const uint64_t iterations =
      common::testing::EnvOr("LATCHKEY_FUZZ_ITERATIONS", 20000);
  for (uint64_t i = 0; i < iterations && !HasFailure(); ++i) {
    Exercise(mutator.Next());
  }
}

TEST(WebAuthnFuzzTest, TheSeedsParse) {
  for (const std::string& seed : LoadCorpus()) {
    absl::StatusOr<AttestationObject> attestation =
        ParseAttestationObject(seed);
    absl::StatusOr<AuthenticatorData> data = ParseAuthenticatorData(seed);
    EXPECT_TRUE(attestation.ok() || data.ok());
  }
}

}  // namespace
}  // namespace latchkey::crypto
