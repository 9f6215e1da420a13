// Mutation fuzzing of JwtVerifier::Verify, bounded so it runs in CI in a few
// seconds. Seeds are crypto/testdata/jwt_corpus (see make_jwt_corpus.py);
// each iteration mutates one seed at the byte, segment or JSON level and
// checks two properties: the verifier never fails internally or crashes
// (sanitizer builds catch memory errors), and nothing verifies unless it is
// byte-for-byte a genuine token (strict decoding leaves no malleability).
//
// LATCHKEY_FUZZ_ITERATIONS and LATCHKEY_FUZZ_SEED override the defaults for
// longer local runs.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/testing/fuzzing.h"
#include "crypto/encoding.h"
#include "crypto/jwt.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr int64_t kNow = 1'700'000'000;

std::map<std::string, std::string> LoadCorpus() {
  std::map<std::string, std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(
           common::testing::RunfilesPath("crypto/testdata/jwt_corpus"))) {
    if (entry.path().extension() != ".jwt") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    corpus[entry.path().stem().string()] = text.str();
  }
  return corpus;
}

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> seeds)
      : rng_(seed), seeds_(std::move(seeds)) {}

  std::string Next() {
    std::string token = Pick();
    int rounds = 1 + static_cast<int>(Below(3));
    for (int i = 0; i < rounds; ++i) token = MutateOnce(std::move(token));
    return token;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  const std::string& Pick() { return seeds_[Below(seeds_.size())]; }

  std::string MutateOnce(std::string t) {
    // Bytes that matter to base64url, JSON and UTF-8 (NUL included, hence
    // the explicit length).
    static constexpr char kBytes[] = ".=-_+/{}[]\":,\\0aAzZ9\x00\xff\xc3\xa9";
    static const std::string kInteresting(kBytes, sizeof(kBytes) - 1);
    switch (Below(9)) {
      case 0:  // Flip a bit.
        if (!t.empty()) t[Below(t.size())] ^= static_cast<char>(1 << Below(8));
        break;
      case 1:  // Replace a byte with an interesting one.
        if (!t.empty())
          t[Below(t.size())] = kInteresting[Below(kInteresting.size())];
        break;
      case 2:  // Insert a byte.
        t.insert(t.begin() + Below(t.size() + 1),
                 kInteresting[Below(kInteresting.size())]);
        break;
      case 3:  // Delete a range.
        if (!t.empty()) {
          size_t at = Below(t.size());
          t.erase(at, 1 + Below(std::min<size_t>(8, t.size() - at)));
        }
        break;
      case 4:  // Truncate.
        t.resize(Below(t.size() + 1));
        break;
      case 5: {  // Splice with another seed.
        const std::string& other = Pick();
        t = t.substr(0, Below(t.size() + 1)) +
            other.substr(Below(other.size() + 1));
        break;
      }
      case 6: {  // Swap one segment for the same segment of another seed.
        auto mine = Split(t);
        auto theirs = Split(Pick());
        size_t i = Below(3);
        if (mine.size() == 3 && theirs.size() == 3) {
          mine[i] = theirs[i];
          t = mine[0] + "." + mine[1] + "." + mine[2];
        }
        break;
      }
      case 7:    // Mutate the decoded JSON of the header or payload and
      case 8: {  // re-encode it, to reach the JSON parser and claim checks.
        auto parts = Split(t);
        if (parts.size() != 3) break;
        size_t i = Below(2);
        auto decoded = Base64UrlDecode(parts[i]);
        if (!decoded.ok() || decoded->empty()) break;
        std::string json = *decoded;
        size_t at = Below(json.size());
        switch (Below(4)) {
          case 0:
            json[at] = kInteresting[Below(kInteresting.size())];
            break;
          case 1:
            json.insert(at, json.substr(Below(json.size()), 1 + Below(12)));
            break;
          case 2:
            json.erase(at, 1 + Below(6));
            break;
          default:
            json.insert(at, std::string(1 + Below(40), Below(2) ? '[' : '{'));
        }
        parts[i] = Base64UrlEncode(json);
        t = parts[0] + "." + parts[1] + "." + parts[2];
        break;
      }
    }
    return t;
  }

  static std::vector<std::string> Split(const std::string& t) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot; (dot = t.find('.', start)) != std::string::npos;
         start = dot + 1) {
      parts.push_back(t.substr(start, dot - start));
    }
    parts.push_back(t.substr(start));
    return parts;
  }

  std::mt19937_64 rng_;
  std::vector<std::string> seeds_;
};

class JwtFuzzTest : public ::testing::Test {
 protected:
  JwtFuzzTest() : clock_(absl::FromUnixSeconds(kNow)) {
    KeyRing::Options ring_options;
    ring_options.current_secret = kSecret;
    ring_ = *KeyRing::Create(ring_options);
    options_.allowed_audiences = {"internal", "internal:anon"};
    options_.allowed_issuers = {
        "https://auth.example/api/v1/projects/internal",
        "https://auth.example/api/v1/projects-anonymous-users/internal"};
  }

  common::FakeClock clock_;
  std::unique_ptr<KeyRing> ring_;
  JwtVerifyOptions options_;
};

TEST_F(JwtFuzzTest, SeedsFromAnotherImplementationVerifyAsLabelled) {
  auto verifier = *JwtVerifier::Create(*ring_, clock_);
  auto corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 10u);
  for (const auto& [name, token] : corpus) {
    JwtVerification v = verifier.Verify(token, options_);
    bool should_pass = name.rfind("valid_", 0) == 0;
    EXPECT_EQ(v.ok(), should_pass) << name << ": " << JwtFailureName(v.failure);
  }
}

TEST_F(JwtFuzzTest, MutatedTokensNeverVerifyOrFailInternally) {
  auto verifier = *JwtVerifier::Create(*ring_, clock_);
  std::set<std::string> genuine;
  std::vector<std::string> seeds;
  for (const auto& [name, token] : LoadCorpus()) {
    seeds.push_back(token);
    if (name.rfind("valid_", 0) == 0) genuine.insert(token);
  }
  ASSERT_FALSE(genuine.empty());
  const uint64_t iterations =
      common::testing::EnvOr("LATCHKEY_FUZZ_ITERATIONS", 20000);
  const uint64_t seed = common::testing::EnvOr("LATCHKEY_FUZZ_SEED", 20261123);
  Mutator mutator(seed, seeds);
  std::map<JwtFailure, int> seen;
  for (uint64_t i = 0; i < iterations; ++i) {
    std::string token = mutator.Next();
    JwtVerification v = verifier.Verify(token, options_);
    ++seen[v.failure];
    ASSERT_NE(v.failure, JwtFailure::kInternal) << token;
    if (v.ok()) {
      ASSERT_TRUE(genuine.count(token) == 1)
          << "forged token verified: " << token;
    } else {
      ASSERT_FALSE(v.status.ok());
    }
  }
  // The mutations must reach deep into the verifier, not only the first
  // checks; otherwise the fuzzer proves little.
  EXPECT_GT(seen[JwtFailure::kMalformed], 0);
  EXPECT_GT(seen[JwtFailure::kBadSignature], 0);
  EXPECT_GT(seen[JwtFailure::kBadAlgorithm], 0);
  EXPECT_GT(seen[JwtFailure::kUnknownKid], 0);
}

}  // namespace
}  // namespace latchkey::crypto
