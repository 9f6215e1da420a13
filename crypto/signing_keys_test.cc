#include "crypto/signing_keys.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "crypto/concurrent_rounds.h"
#include "crypto/encoding.h"
#include "gtest/gtest.h"

namespace latchkey::crypto {
namespace {

using ::absl::StatusCode;

// docs/stack-wire-format.md signing-key test vector (values checked against
// Stack Auth).
constexpr char kSecret[] = "23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo";
constexpr char kOtherSecret[] = "o8DKcN0lqVv5eAqhXq1zWm9yS8bJk2u3Tt6Rr4Pp7Lw";
constexpr char kProject[] = "0b9c6a2e-4d1f-4e8a-9c3b-7f5e2d1a6b4c";

std::string B64u(const std::string& bytes) { return Base64UrlEncode(bytes); }

TEST(DeriveKeyMaterialTest, Scheme1MatchesCompatVectorForInternal) {
  auto m = DeriveKeyMaterial(kSecret, "internal", KeyScheme::kLegacy);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kid, "M5zZLA6iQw2n");
  EXPECT_EQ(B64u(m->private_scalar),
            "IheOz2KuLWZ5b7tD6WwR4GohgzC6R-LctuIy4hdKMGk");
}

TEST(DeriveKeyMaterialTest, Scheme2MatchesCompatVectorForInternal) {
  auto m = DeriveKeyMaterial(kSecret, "internal", KeyScheme::kAudienceSecret);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kid, "YllKZ6LZIF_3");
  EXPECT_EQ(B64u(m->private_scalar),
            "HwTrxr3QOvrw72ZPft7yDvAhE4r0Sanvh6Df0aW7AYg");
}

TEST(DeriveKeyMaterialTest, KidsMatchCompatVectorForAnonAndRestricted) {
  EXPECT_EQ(
      DeriveKeyMaterial(kSecret, "internal:anon", KeyScheme::kLegacy)->kid,
      "FInOUGcpZb24");
  EXPECT_EQ(
      DeriveKeyMaterial(kSecret, "internal:anon", KeyScheme::kAudienceSecret)
          ->kid,
      "Rb-x5tnB7YSS");
  EXPECT_EQ(
      DeriveKeyMaterial(kSecret, "internal:restricted", KeyScheme::kLegacy)
          ->kid,
      "Wxg1H4Lo4CEx");
  EXPECT_EQ(DeriveKeyMaterial(kSecret, "internal:restricted",
                              KeyScheme::kAudienceSecret)
                ->kid,
            "GdLi8GXCBnIs");
}

TEST(DeriveKeyMaterialTest, KidAudienceIsRejected) {
  EXPECT_EQ(
      DeriveKeyMaterial(kSecret, "kid", KeyScheme::kLegacy).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(SigningKeyTest, PublicKeyMatchesCompatVector) {
  auto m = DeriveKeyMaterial(kSecret, "internal", KeyScheme::kLegacy);
  ASSERT_TRUE(m.ok());
  auto key = SigningKey::Create(*m, "internal", KeyScheme::kLegacy,
                                SecretGeneration::kCurrent);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(B64u((*key)->x()), "1nTfAlWSPsAvLhYQkp_fGz7RckPtP6ZEZjVj6jZd70k");
  EXPECT_EQ(B64u((*key)->y()), "vePcQBEJl4Mv2f2KA3MM4AIQvNWTCgo2fiKL-f_Pkb4");
  EXPECT_EQ((*key)->kid(), "M5zZLA6iQw2n");
  EXPECT_EQ((*key)->audience(), "internal");
}

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = DeriveKeyMaterial(kSecret, "internal", KeyScheme::kLegacy);
    ASSERT_TRUE(m.ok());
    auto key = SigningKey::Create(*m, "internal", KeyScheme::kLegacy,
                                  SecretGeneration::kCurrent);
    ASSERT_TRUE(key.ok());
    key_ = *std::move(key);
  }
  std::unique_ptr<SigningKey> key_;
};

TEST_F(SignatureTest, SignatureIs64BytesAndVerifies) {
  auto sig = key_->SignEs256("hello");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(key_->VerifyEs256("hello", *sig).ok());
}

TEST_F(SignatureTest, SignatureFromAnotherImplementationVerifies) {
  // Made by Python's `cryptography` with d1 over this message, converted to
  // r || s: proves our JOSE signature encoding matches other libraries'.
  auto sig = Base64UrlDecode(
      "zV4CBZJEvbbgY2OwzFuNlBBI9BEJpZ_0nv8xfq5bDrlDTyd7nsDLTDfOF5AijgYzG8DSTpm"
      "raw4lZ-NFXSljPA");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key_->VerifyEs256("latchkey interop message", *sig).ok());
  EXPECT_EQ(key_->VerifyEs256("latchkey interop messagE", *sig).code(),
            StatusCode::kUnauthenticated);
}

// A signature of `key` over "hello" verifies; one changed byte of the
// message or of the signature (in r or in s) fails.
void ExpectTamperingRefused(const SigningKey& key) {
  std::string sig = *key.SignEs256("hello");
  EXPECT_TRUE(key.VerifyEs256("hello", sig).ok());
  EXPECT_EQ(key.VerifyEs256("hellO", sig).code(), StatusCode::kUnauthenticated);
  for (size_t i : {0u, 31u, 32u, 63u}) {
    std::string bad = sig;
    bad[i] ^= 1;
    EXPECT_EQ(key.VerifyEs256("hello", bad).code(),
              StatusCode::kUnauthenticated)
        << i;
  }
}

TEST_F(SignatureTest, TamperedMessageOrSignatureIsRejected) {
  ExpectTamperingRefused(*key_);
}

TEST_F(SignatureTest, WrongLengthAndZeroSignaturesAreRejected) {
  std::string sig = *key_->SignEs256("hello");
  EXPECT_EQ(key_->VerifyEs256("hello", sig.substr(0, 63)).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(key_->VerifyEs256("hello", sig + "x").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(key_->VerifyEs256("hello", std::string(64, '\0')).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(key_->VerifyEs256("hello", std::string(64, '\xff')).code(),
            StatusCode::kUnauthenticated);
}

// Signing and verifying borrow pooled OpenSSL contexts: under concurrency
// (more threads than the pool holds) every signature must still be this
// key's over this message, and a tampered one must still fail.
TEST_F(SignatureTest, ConcurrentSignAndVerifyStayCorrect) {
  const std::vector<int> failures = testing::FailuresPerThread(
      /*threads=*/24, /*rounds=*/40, [&](int t, int i) {
        const std::string message =
            "message " + std::to_string(t) + "/" + std::to_string(i);
        auto sig = key_->SignEs256(message);
        return sig.ok() && key_->VerifyEs256(message, *sig).ok() &&
               !key_->VerifyEs256(message + "!", *sig).ok();
      });
  EXPECT_EQ(failures, std::vector<int>(24, 0));
}

// A key that verifies often builds a table of multiples of its public key
// and verifies with it; the answers must not change.
class PrecomputedTableTest : public ::testing::Test {
 protected:
  static std::unique_ptr<SigningKey> NewKey(
      std::shared_ptr<PrecomputedTableBudget> budget,
      const char* audience = "internal") {
    auto m = DeriveKeyMaterial(kSecret, audience, KeyScheme::kLegacy);
    EXPECT_TRUE(m.ok());
    auto key =
        SigningKey::Create(*m, audience, KeyScheme::kLegacy,
                           SecretGeneration::kCurrent, std::move(budget));
    EXPECT_TRUE(key.ok());
    return *std::move(key);
  }

  // Verifies `n` genuine signatures with `key`.
  static void VerifyGenuine(const SigningKey& key, uint64_t n) {
    const std::string sig = *key.SignEs256("warm");
    for (uint64_t i = 0; i < n; ++i)
      ASSERT_TRUE(key.VerifyEs256("warm", sig).ok());
  }
};

TEST_F(PrecomputedTableTest, BuiltAfterEnoughGenuineVerificationsAndAgrees) {
  auto budget = std::make_shared<PrecomputedTableBudget>(4);
  auto key = NewKey(budget);
  VerifyGenuine(*key, SigningKey::kVerificationsBeforeTable - 1);
  EXPECT_FALSE(key->has_precomputed_table());
  VerifyGenuine(*key, 1);
  EXPECT_TRUE(key->has_precomputed_table());
  EXPECT_EQ(budget->in_use(), 1u);

  // Same verdicts as before: our signatures, another library's, tampering.
  ExpectTamperingRefused(*key);
  const std::string sig = *key->SignEs256("hello");
  auto interop = Base64UrlDecode(
      "zV4CBZJEvbbgY2OwzFuNlBBI9BEJpZ_0nv8xfq5bDrlDTyd7nsDLTDfOF5AijgYzG8DSTpm"
      "raw4lZ-NFXSljPA");
  ASSERT_TRUE(interop.ok());
  EXPECT_TRUE(key->VerifyEs256("latchkey interop message", *interop).ok());
  EXPECT_EQ(key->VerifyEs256("hello", std::string(64, '\0')).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(key->VerifyEs256("hello", std::string(64, '\xff')).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(key->VerifyEs256("hello", sig.substr(0, 63)).code(),
            StatusCode::kUnauthenticated);

  key.reset();
  EXPECT_EQ(budget->in_use(), 0u);  // The key's place is free again.
}

TEST_F(PrecomputedTableTest, FailedVerificationsDoNotCount) {
  auto budget = std::make_shared<PrecomputedTableBudget>(4);
  auto key = NewKey(budget);
  std::string sig = *key->SignEs256("hello");
  sig[5] ^= 1;
  for (uint64_t i = 0; i < 2 * SigningKey::kVerificationsBeforeTable; ++i) {
    ASSERT_FALSE(key->VerifyEs256("hello", sig).ok());
  }
  EXPECT_FALSE(key->has_precomputed_table());
  EXPECT_EQ(budget->in_use(), 0u);
}

TEST_F(PrecomputedTableTest, BudgetBoundsTheTables) {
  auto budget = std::make_shared<PrecomputedTableBudget>(1);
  auto first = NewKey(budget, "internal");
  auto second = NewKey(budget, "internal:anon");
  VerifyGenuine(*first, SigningKey::kVerificationsBeforeTable);
  VerifyGenuine(*second, SigningKey::kVerificationsBeforeTable);
  EXPECT_TRUE(first->has_precomputed_table());
  EXPECT_FALSE(second->has_precomputed_table());
  EXPECT_EQ(budget->in_use(), 1u);
  // Without a table the second key still verifies, through OpenSSL.
  std::string sig = *second->SignEs256("x");
  EXPECT_TRUE(second->VerifyEs256("x", sig).ok());
  EXPECT_FALSE(second->VerifyEs256("y", sig).ok());
}

TEST_F(PrecomputedTableTest, NoBudgetMeansNoTable) {
  auto key = NewKey(nullptr);
  VerifyGenuine(*key, 2 * SigningKey::kVerificationsBeforeTable);
  EXPECT_FALSE(key->has_precomputed_table());
}

TEST_F(PrecomputedTableTest, KeyRingKeysShareTheRingsBudget) {
  KeyRing::Options options;
  options.current_secret = kSecret;
  options.max_precomputed_tables = 1;
  auto ring = KeyRing::Create(options);
  ASSERT_TRUE(ring.ok());
  auto internal = (*ring)->KeysFor("internal");
  auto anon = (*ring)->KeysFor("internal:anon");
  ASSERT_TRUE(internal.ok() && anon.ok());
  VerifyGenuine((*internal)->signer(), SigningKey::kVerificationsBeforeTable);
  VerifyGenuine((*anon)->signer(), SigningKey::kVerificationsBeforeTable);
  EXPECT_TRUE((*internal)->signer().has_precomputed_table());
  EXPECT_FALSE((*anon)->signer().has_precomputed_table());
}

// Threads verify the same key while the count crosses the threshold: one
// builds the table, the others keep verifying (through OpenSSL or the new
// table) and every answer stays right. Run it under --config=tsan too.
TEST_F(PrecomputedTableTest, ConcurrentVerificationsAcrossTheSwitch) {
  auto budget = std::make_shared<PrecomputedTableBudget>(4);
  auto key = NewKey(budget);
  const std::string sig = *key->SignEs256("shared");
  // 8 x 40 = 320 verifications, well past the threshold.
  const std::vector<int> failures = testing::FailuresPerThread(
      /*threads=*/8, /*rounds=*/40, [&](int, int) {
        return key->VerifyEs256("shared", sig).ok() &&
               !key->VerifyEs256("shareD", sig).ok();
      });
  EXPECT_EQ(failures, std::vector<int>(8, 0));
  EXPECT_TRUE(key->has_precomputed_table());
  EXPECT_EQ(budget->in_use(), 1u);
}

TEST(ServerSecretTest, ValidatesAlphabetAndLength) {
  EXPECT_TRUE(ValidateServerSecret(kSecret).ok());
  EXPECT_TRUE(ValidateServerSecret(std::string(kSecret) + "=").ok());
  EXPECT_EQ(ValidateServerSecret("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateServerSecret("short").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateServerSecret("23+wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo")
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(AudienceTest, AcceptsProjectAudiencesOnly) {
  EXPECT_TRUE(IsValidAudience("internal"));
  EXPECT_TRUE(IsValidAudience("internal:anon"));
  EXPECT_TRUE(IsValidAudience(std::string(kProject) + ":restricted"));
  EXPECT_TRUE(IsValidAudience(std::string(kProject) + ":ws"));
  EXPECT_FALSE(IsValidAudience(""));
  EXPECT_FALSE(IsValidAudience("kid"));
  EXPECT_FALSE(IsValidAudience("internal:"));
  EXPECT_FALSE(IsValidAudience("internal:admin"));
  EXPECT_FALSE(IsValidAudience("internal:anon:anon"));
  EXPECT_FALSE(IsValidAudience("0b9c6a2e-4d1f-4e8a-9c3b-7f5e2d1a6b4"));
  EXPECT_FALSE(IsValidAudience("0b9c6a2e-4d1f-4e8a-9c3b-7f5e2d1a6b4g"));
}

KeyRing::Options RingOptions() {
  KeyRing::Options options;
  options.current_secret = kSecret;
  return options;
}

TEST(KeyRingTest, SignerIsCurrentScheme1Key) {
  auto ring = KeyRing::Create(RingOptions());
  ASSERT_TRUE(ring.ok());
  auto keys = (*ring)->KeysFor("internal");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ((*keys)->keys.size(), 2u);
  EXPECT_EQ((*keys)->signer().kid(), "M5zZLA6iQw2n");
  EXPECT_EQ((*keys)->keys[1]->kid(), "YllKZ6LZIF_3");
  EXPECT_EQ((*keys)->keys[1]->scheme(), KeyScheme::kAudienceSecret);
  EXPECT_EQ((*keys)->FindByKid("YllKZ6LZIF_3"), (*keys)->keys[1].get());
  EXPECT_EQ((*keys)->FindByKid("FInOUGcpZb24"), nullptr);
}

TEST(KeyRingTest, PreviousSecretAddsItsKeysAfterCurrentOnes) {
  KeyRing::Options options;
  options.current_secret = kOtherSecret;
  options.previous_secret = kSecret;
  auto ring = KeyRing::Create(options);
  ASSERT_TRUE(ring.ok());
  auto keys = (*ring)->KeysFor("internal");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ((*keys)->keys.size(), 4u);
  EXPECT_NE((*keys)->signer().kid(), "M5zZLA6iQw2n");
  EXPECT_EQ((*keys)->signer().generation(), SecretGeneration::kCurrent);
  EXPECT_EQ((*keys)->keys[2]->kid(), "M5zZLA6iQw2n");
  EXPECT_EQ((*keys)->keys[2]->generation(), SecretGeneration::kPrevious);
  EXPECT_EQ((*keys)->keys[3]->kid(), "YllKZ6LZIF_3");
}

TEST(KeyRingTest, BadOptionsAreRejected) {
  KeyRing::Options same = RingOptions();
  same.previous_secret = kSecret;
  EXPECT_EQ(KeyRing::Create(same).status().code(),
            StatusCode::kInvalidArgument);
  KeyRing::Options bad_previous = RingOptions();
  bad_previous.previous_secret = "x";
  EXPECT_EQ(KeyRing::Create(bad_previous).status().code(),
            StatusCode::kInvalidArgument);
  KeyRing::Options zero_cache = RingOptions();
  zero_cache.max_cached_audiences = 0;
  EXPECT_EQ(KeyRing::Create(zero_cache).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(KeyRingTest, InvalidAudienceIsRejected) {
  auto ring = KeyRing::Create(RingOptions());
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ((*ring)->KeysFor("evil").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*ring)->cached_audiences(), 0u);
}

TEST(KeyRingTest, KeysAreDerivedOnceAndCached) {
  auto ring = KeyRing::Create(RingOptions());
  ASSERT_TRUE(ring.ok());
  auto first = (*ring)->KeysFor("internal:anon");
  auto second = (*ring)->KeysFor("internal:anon");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ((*first)->signer().kid(), "FInOUGcpZb24");
}

TEST(KeyRingTest, CacheIsBoundedAndEvictsLeastRecentlyUsed) {
  KeyRing::Options options = RingOptions();
  options.max_cached_audiences = 2;
  auto ring = KeyRing::Create(options);
  ASSERT_TRUE(ring.ok());
  auto internal = *(*ring)->KeysFor("internal");
  auto anon = *(*ring)->KeysFor("internal:anon");
  // Touch "internal" so "internal:anon" is the least recently used.
  EXPECT_EQ((*ring)->KeysFor("internal")->get(), internal.get());
  auto restricted = *(*ring)->KeysFor("internal:restricted");
  EXPECT_EQ((*ring)->cached_audiences(), 2u);
  EXPECT_EQ((*ring)->KeysFor("internal")->get(), internal.get());
  // Evicted: derived afresh (equal keys, new object); the old one stays
  // usable by whoever holds it.
  auto anon_again = *(*ring)->KeysFor("internal:anon");
  EXPECT_NE(anon_again.get(), anon.get());
  EXPECT_EQ(anon_again->signer().kid(), anon->signer().kid());
  EXPECT_EQ(anon->signer().kid(), "FInOUGcpZb24");
}

TEST(KeyRingTest, ConcurrentLookupsAgree) {
  KeyRing::Options options = RingOptions();
  options.max_cached_audiences = 3;
  auto ring = KeyRing::Create(options);
  ASSERT_TRUE(ring.ok());
  const std::vector<std::string> audiences = {
      "internal", "internal:anon", "internal:restricted", "internal:ws",
      std::string(kProject)};
  const std::vector<int> failures = testing::FailuresPerThread(
      /*threads=*/4, /*rounds=*/50, [&](int t, int i) {
        const std::string& aud = audiences[(i + t) % audiences.size()];
        auto keys = (*ring)->KeysFor(aud);
        return keys.ok() && (*keys)->audience == aud &&
               (*keys)->keys.size() == 2;
      });
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_LE((*ring)->cached_audiences(), 3u);
}

}  // namespace
}  // namespace latchkey::crypto
