#include "service/core/passwords.h"

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "service/core/fair_work_queue.h"
#include "service/core/project_config.h"
#include "service/errors/api_error.h"

namespace latchkey::service::core {
namespace {

// Made with Python's crypt module (libxcrypt), cost 04 to keep tests fast.
constexpr char kBcryptOfCorrectHorse[] =
    "$2b$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS";

identity::v1::ProjectConfig CheapConfig() {
  identity::v1::ProjectConfig config = DefaultProjectConfig();
  config.mutable_argon2()->set_memory_kib(1024);
  config.mutable_argon2()->set_iterations(1);
  return config;
}

ApiErrorView ErrorOf(const absl::Status& status) {
  std::optional<ApiErrorView> error = ReadApiError(status);
  EXPECT_TRUE(error.has_value()) << status;
  return error.value_or(ApiErrorView{});
}

TEST(PasswordLength, CountsUtf16CodeUnitsAsStackDoes) {
  EXPECT_EQ(PasswordLength(""), 0u);
  EXPECT_EQ(PasswordLength("abc"), 3u);
  EXPECT_EQ(PasswordLength("é"), 1u);                 // 2 bytes, 1 unit.
  EXPECT_EQ(PasswordLength("€"), 1u);                 // 3 bytes, 1 unit.
  EXPECT_EQ(PasswordLength("\xF0\x9F\x94\x91"), 2u);  // 🔑: a surrogate pair.
}

TEST(CheckPasswordPolicy, TooShortCarriesMinLength) {
  const identity::v1::ProjectConfig config = DefaultProjectConfig();
  ApiErrorView error = ErrorOf(CheckPasswordPolicy("1234567", config));
  EXPECT_EQ(error.code, identity::v1::PASSWORD_TOO_SHORT);
  EXPECT_EQ(error.details["min_length"], "8");
  EXPECT_TRUE(CheckPasswordPolicy("12345678", config).ok());
}

TEST(CheckPasswordPolicy, TooLongCarriesCamelCaseMaxLength) {
  const identity::v1::ProjectConfig config = DefaultProjectConfig();
  EXPECT_TRUE(CheckPasswordPolicy(std::string(70, 'x'), config).ok());
  ApiErrorView error =
      ErrorOf(CheckPasswordPolicy(std::string(71, 'x'), config));
  EXPECT_EQ(error.code, identity::v1::PASSWORD_TOO_LONG);
  EXPECT_EQ(error.details["maxLength"], "70");
}

TEST(CheckPasswordPolicy, FollowsTheProjectsLimits) {
  identity::v1::ProjectConfig config = DefaultProjectConfig();
  config.set_password_min_length(12);
  EXPECT_EQ(
      ErrorOf(CheckPasswordPolicy("eleven chrs", config)).details["min_length"],
      "12");
  // Seven 4-byte characters are 14 UTF-16 units: long enough.
  EXPECT_TRUE(CheckPasswordPolicy(
                  "\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94"
                  "\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91\xF0\x9F\x94\x91",
                  config)
                  .ok());
}

TEST(ClassifyImportedPasswordHash, AcceptsBcryptVariantsAndArgon2id) {
  std::string hash = kBcryptOfCorrectHorse;
  for (char variant : {'a', 'b', 'y'}) {
    hash[2] = variant;
    absl::StatusOr<PasswordAlgorithm> algorithm =
        ClassifyImportedPasswordHash(hash, "body.password_hash");
    ASSERT_TRUE(algorithm.ok()) << hash << ": " << algorithm.status();
    EXPECT_EQ(*algorithm, PasswordAlgorithm::kBcrypt);
  }
  absl::StatusOr<PasswordAlgorithm> argon = ClassifyImportedPasswordHash(
      "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
      "x");
  ASSERT_TRUE(argon.ok()) << argon.status();
  EXPECT_EQ(*argon, PasswordAlgorithm::kArgon2id);
}

TEST(ClassifyImportedPasswordHash, RefusesEverythingElseAsSchemaError) {
  std::string too_costly = kBcryptOfCorrectHorse;
  too_costly.replace(4, 2, "17");
  for (const std::string& hash :
       {std::string("plaintext"), std::string("$1$abc$def"),
        std::string("$5$rounds=5000$salt$hash"),
        std::string("$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$"
                    "nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"),
        std::string(
            "$2x$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS"),
        std::string(kBcryptOfCorrectHorse).substr(0, 59), too_costly,
        std::string("$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                    "aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                    "aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                    "aGFzaGhhc2hoYXNoaGFzaA")}) {
    absl::StatusOr<PasswordAlgorithm> algorithm =
        ClassifyImportedPasswordHash(hash, "body.password_hash");
    ASSERT_FALSE(algorithm.ok()) << hash;
    EXPECT_EQ(ErrorOf(algorithm.status()).code, identity::v1::SCHEMA_ERROR)
        << hash;
  }
}

TEST(Passwords, HashesWithTheProjectsParametersAndVerifies) {
  Passwords passwords;
  const identity::v1::ProjectConfig config = CheapConfig();
  absl::StatusOr<std::string> hash = passwords.Hash("correct horse", config);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$v=19$m=1024,t=1,p=1$"))
      << *hash;
  absl::StatusOr<crypto::PasswordCheck> right =
      passwords.Verify("correct horse", *hash, config);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(right->matches);
  EXPECT_FALSE(right->needs_rehash);
  absl::StatusOr<crypto::PasswordCheck> wrong =
      passwords.Verify("wrong horse", *hash, config);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->matches);
}

TEST(Passwords, OneHashingThreadServesManyCallers) {
  // One hashing thread, several callers, and a first call that must also
  // build the hasher (itself an argon2 run): every call completes with the
  // right answer. Work that waited on the hashing thread from the hashing
  // thread would hang here.
  Passwords passwords(/*max_concurrent_hashes=*/1);
  const identity::v1::ProjectConfig config = CheapConfig();
  std::vector<std::thread> threads;
  std::atomic<int> matched{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const std::string password = "password number " + std::to_string(i);
      absl::StatusOr<std::string> hash = passwords.Hash(password, config);
      if (!hash.ok()) return;
      absl::StatusOr<crypto::PasswordCheck> check =
          passwords.Verify(password, *hash, config);
      if (!passwords.VerifyDummy(password, config).ok()) return;
      if (check.ok() && check->matches) ++matched;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matched.load(), 4);
}

TEST(Passwords, StrongerParametersAskForARehash) {
  Passwords passwords;
  identity::v1::ProjectConfig weak = CheapConfig();
  absl::StatusOr<std::string> hash = passwords.Hash("correct horse", weak);
  ASSERT_TRUE(hash.ok());
  identity::v1::ProjectConfig stronger = weak;
  stronger.mutable_argon2()->set_iterations(2);
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify("correct horse", *hash, stronger);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
}

TEST(Passwords, ImportedBcryptVerifiesAndIsFlaggedForRehash) {
  Passwords passwords;
  absl::StatusOr<crypto::PasswordCheck> check = passwords.Verify(
      "correct horse battery staple", kBcryptOfCorrectHorse, CheapConfig());
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
  absl::StatusOr<crypto::PasswordCheck> wrong = passwords.Verify(
      "correct horse battery stapler", kBcryptOfCorrectHorse, CheapConfig());
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->matches);
}

TEST(Passwords, MalformedStoredHashIsInternalAndOverlongPasswordNeverMatches) {
  Passwords passwords;
  EXPECT_EQ(
      passwords.Verify("x", "$argon2id$garbage", CheapConfig()).status().code(),
      absl::StatusCode::kInternal);
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify(std::string(crypto::kMaxPasswordBytes + 1, 'x'),
                       kBcryptOfCorrectHorse, CheapConfig());
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->matches);
}

identity::v1::ProjectConfig WithArgon2(int64_t memory_kib, int64_t iterations) {
  identity::v1::ProjectConfig config = DefaultProjectConfig();
  config.mutable_argon2()->set_memory_kib(memory_kib);
  config.mutable_argon2()->set_iterations(iterations);
  return config;
}

TEST(Passwords, HashingClampsAProjectsCostToTheDefaultCeiling) {
  // Stored before the ceiling existed: 128 MiB and 16 passes are within the
  // project's own range, but hashing uses at most 64 MiB and 4 passes.
  Passwords passwords;
  absl::StatusOr<std::string> memory =
      passwords.Hash("correct horse", WithArgon2(128 * 1024, 1));
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_TRUE(absl::StartsWith(*memory, "$argon2id$v=19$m=65536,t=1,p=1$"))
      << *memory;
  absl::StatusOr<std::string> passes =
      passwords.Hash("correct horse", WithArgon2(1024, 16));
  ASSERT_TRUE(passes.ok()) << passes.status();
  EXPECT_TRUE(absl::StartsWith(*passes, "$argon2id$v=19$m=1024,t=4,p=1$"))
      << *passes;
}

TEST(Passwords, HashingClampsToTheOperatorsCeiling) {
  Passwords passwords(Passwords::Options{
      .max_concurrent_hashes = 1,
      .ceiling = {.max_memory_kib = 2048, .max_iterations = 1}});
  const identity::v1::ProjectConfig config = WithArgon2(8192, 3);
  EXPECT_EQ(passwords.EffectiveParams(config).memory_kib, 2048u);
  EXPECT_EQ(passwords.EffectiveParams(config).iterations, 1u);
  absl::StatusOr<std::string> hash = passwords.Hash("correct horse", config);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$v=19$m=2048,t=1,p=1$"))
      << *hash;
  // Hashed at the ceiling, it needs no re-hash while the ceiling holds.
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify("correct horse", *hash, config);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_FALSE(check->needs_rehash);
}

TEST(Passwords, HashingClampsLanesAndRehashesAManyLaneHash) {
  identity::v1::ProjectConfig config = WithArgon2(1024, 1);
  config.mutable_argon2()->set_parallelism(16);
  Passwords unbounded(Passwords::Options{.ceiling = {.max_memory_kib = 1024,
                                                     .max_iterations = 1,
                                                     .max_parallelism = 16}});
  absl::StatusOr<std::string> many = unbounded.Hash("correct horse", config);
  ASSERT_TRUE(many.ok()) << many.status();
  ASSERT_TRUE(absl::StartsWith(*many, "$argon2id$v=19$m=1024,t=1,p=16$"))
      << *many;

  Passwords passwords(Passwords::Options{.ceiling = {.max_memory_kib = 1024,
                                                     .max_iterations = 1,
                                                     .max_parallelism = 2}});
  EXPECT_EQ(passwords.EffectiveParams(config).parallelism, 2u);
  absl::StatusOr<std::string> hash = passwords.Hash("correct horse", config);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$v=19$m=1024,t=1,p=2$"))
      << *hash;
  // The 16-lane hash stored before still signs in, and is replaced.
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify("correct horse", *many, config);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
}

TEST(Passwords, AHashAboveALoweredCeilingStillVerifiesAndIsRehashed) {
  // Made at m=4096,t=2; the operator then lowers the ceiling to 1024/1:
  // within the allowance (4x), the user can still sign in, once, and is
  // re-hashed at the ceiling.
  Passwords before(Passwords::Options{
      .ceiling = {.max_memory_kib = 4096, .max_iterations = 2}});
  absl::StatusOr<std::string> hash =
      before.Hash("correct horse", WithArgon2(4096, 2));
  ASSERT_TRUE(hash.ok()) << hash.status();
  Passwords after(Passwords::Options{
      .max_concurrent_hashes = 2,
      .ceiling = {.max_memory_kib = 1024, .max_iterations = 1}});
  absl::StatusOr<crypto::PasswordCheck> check =
      after.Verify("correct horse", *hash, WithArgon2(4096, 2));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(check->needs_rehash);
  absl::StatusOr<crypto::PasswordCheck> wrong =
      after.Verify("wrong horse", *hash, WithArgon2(4096, 2));
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_FALSE(wrong->matches);
}

TEST(Passwords, AHashFarAboveTheCeilingIsNeverComputed) {
  // An imported (or old) hash whose own parameters ask for 512 MiB: beyond
  // 4x the default 64 MiB ceiling, so verifying refuses at once instead of
  // allocating it (the salt and tag here are arbitrary; were argon2 run,
  // it would answer "no match" after spending the memory).
  Passwords passwords;
  const std::string huge =
      "$argon2id$v=19$m=524288,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify("correct horse", huge, CheapConfig());
  EXPECT_EQ(check.status().code(), absl::StatusCode::kInternal)
      << check.status();
  const std::string many_passes =
      "$argon2id$v=19$m=1024,t=16,p=1$c29tZXNhbHRzb21lc2FsdA$"
      "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  Passwords low(Passwords::Options{
      .ceiling = {.max_memory_kib = 1024, .max_iterations = 1}});
  EXPECT_EQ(
      low.Verify("correct horse", many_passes, CheapConfig()).status().code(),
      absl::StatusCode::kInternal);
}

TEST(Passwords, CallsWithAProjectIdHashAndVerify) {
  Passwords passwords(Passwords::Options{.max_concurrent_hashes = 1,
                                         .max_waiting_per_project = 1});
  const identity::v1::ProjectConfig config = CheapConfig();
  absl::StatusOr<std::string> hash =
      passwords.Hash("correct horse", config, "project-a");
  ASSERT_TRUE(hash.ok()) << hash.status();
  absl::StatusOr<crypto::PasswordCheck> check =
      passwords.Verify("correct horse", *hash, config, "project-b");
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  EXPECT_TRUE(passwords.VerifyDummy("correct horse", config, "project-a").ok());
}

TEST(Passwords, AProjectWhoseLineIsFullIsRateLimitedWhileOthersAreServed) {
  // One hashing slot, one waiting job per project. The test holds the slot
  // and fills project a's line itself, then asks Passwords for a's work.
  FairWorkQueue queue({.slots = 1, .max_waiting_per_key = 1});
  Passwords passwords(Passwords::Options{.queue = &queue});
  const identity::v1::ProjectConfig config = CheapConfig();
  // Builds the hasher now, so that later calls need one job each.
  absl::StatusOr<std::string> hash = passwords.Hash("correct horse", config);
  ASSERT_TRUE(hash.ok()) << hash.status();

  std::latch running(1);
  std::latch release(1);
  ASSERT_TRUE(queue.TrySubmit("a", 1, [&] {
    running.count_down();
    release.wait();
  }));
  running.wait();
  ASSERT_TRUE(queue.TrySubmit("a", 1, [] {}));

  auto expect_rate_limited = [](const absl::Status& status) {
    ApiErrorView error = ErrorOf(status);
    EXPECT_EQ(error.code, identity::v1::RATE_LIMITED) << status;
    EXPECT_EQ(error.details["retry_after_seconds"], "1");
  };
  expect_rate_limited(passwords.Hash("correct horse", config, "a").status());
  expect_rate_limited(
      passwords.Verify("correct horse", *hash, config, "a").status());
  // The dummy check for an unknown email answers as a real one would.
  expect_rate_limited(passwords.VerifyDummy("correct horse", config, "a"));

  // Project b still gets its turn.
  absl::StatusOr<crypto::PasswordCheck> b_check;
  std::thread b(
      [&] { b_check = passwords.Verify("correct horse", *hash, config, "b"); });
  release.count_down();
  b.join();
  ASSERT_TRUE(b_check.ok()) << b_check.status();
  EXPECT_TRUE(b_check->matches);
  EXPECT_TRUE(passwords.VerifyDummy("correct horse", config, "a").ok());
}

}  // namespace
}  // namespace latchkey::service::core
